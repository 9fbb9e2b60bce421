import FleetAPIModel
import FleetTestSupport
import Foundation
import Testing
import Yams

/// The API document against the code generated from it and the tiers the server enforces, and
/// fleetctl's help.
@Suite("control API document and help")
struct HelpAndDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var documentPath: String { root.appendingPathComponent("docs/openapi.yaml").path }

    @Test("generated code matches docs/openapi.yaml (run scripts/generate-openapi after editing it)")
    func generatedCodeIsFresh() throws {
        let digest = try runProcess("/usr/bin/sha256sum", [Self.documentPath]).text.split(separator: " ").first.map(String.init)
        #expect(digest == OpenAPISpec.sha256)
    }

    @Test("every operation names its tier, and fleetctl has help with examples for every command")
    func helpEverywhere() throws {
        let document = try #require(try Yams.load(yaml: String(contentsOfFile: Self.documentPath, encoding: .utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations = 0
        for (_, methods) in paths {
            for (_, operation) in methods {
                guard let operation = operation as? [String: Any] else { continue }
                operations += 1
                #expect(["none", "read", "operate", "admin"].contains(operation["x-fleet-tier"] as? String ?? ""), "\(operation["operationId"] ?? "?")")
            }
        }
        #expect(operations >= 20)

        let commands = [
            ["status"], ["list"], ["show"], ["history"], ["export"], ["exec"], ["exec", "list"], ["exec", "show"], ["ping"],
            ["freeze"], ["thaw"], ["fstrim"], ["set-time"], ["shutdown"], ["reboot"], ["agent"], ["file", "get"], ["file", "put"],
            ["password"], ["ssh-keys"], ["whoami"], ["audit"], ["metrics"],
        ]
        for command in commands {
            let help = try runProcess(FleetFixture.fleetctlPath, command + ["--help"])
            #expect(help.status == 0, "\(command)")
            #expect(help.text.contains("fleetctl \(command.joined(separator: " "))"), "\(command)")
            #expect(help.text.contains("Example"), "\(command) has no example")
        }
        let top = try runProcess(FleetFixture.fleetctlPath, ["--help"])
        #expect(top.text.contains("Exit status") && top.text.contains("FLEET_SOCKET"))
        let completion = try runProcess(FleetFixture.fleetctlPath, ["--generate-completion-script", "bash"])
        #expect(completion.status == 0 && completion.text.contains("set-time"))
    }
}
