import FleetTestSupport
import Foundation
import GRDB
import Testing
import Yams
@testable import FleetStore

/// The fleetd executable: configuration from file, environment and flags; graceful shutdown.
@Suite("fleetd binary", .serialized)
struct FleetdBinaryTests {
    static let configFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config/fleetd.yaml").path

    /// Nested YAML keys as fleetd names them (`heartbeat.intervalSeconds`), in document order.
    static func flatten(_ node: Node, prefix: String = "") -> [(String, String)] {
        guard let mapping = node.mapping else { return [(prefix, node.string ?? "")] }
        return mapping.flatMap { key, value in flatten(value, prefix: prefix.isEmpty ? key.string ?? "" : "\(prefix).\(key.string ?? "")") }
    }

    @Test("config/fleetd.yaml lists every setting fleetd has, with the default fleetd uses, and nothing else")
    func documentedDefaults() throws {
        let document = try #require(try Yams.compose(yaml: String(contentsOfFile: Self.configFile, encoding: .utf8)))
        let documented = Self.flatten(document)
        let result = try runProcess(AgentProcess.fleetdPath, ["--defaults"])
        #expect(result.status == 0)
        // The listing is YAML itself (flat keys), so it reads as the file does.
        let actual = Self.flatten(try #require(try Yams.compose(yaml: String(decoding: result.stdout, as: UTF8.self))))
        #expect(documented.map(\.0) == actual.map(\.0), "the same keys, in the same order")
        for (key, value) in actual {
            #expect(documented.first { $0.0 == key }?.1 == value, "\(key): fleetd's default is \(value)")
        }
    }

    @Test("config file + FLEETD_* + flags; SIGTERM closes sessions, flushes, exits 0")
    func runAndStop() async throws {
        let directory = try makeTemporaryDirectory("fleetd")
        let vms = directory + "/vms"
        try FileManager.default.createDirectory(atPath: vms, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let agent = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "fleet-agent", socketPath: vms + "/web1.sock")
        defer { agent.stop() }
        // The file names a database the flag overrides, and a heartbeat the variable overrides.
        try """
            socketDir: \(vms)
            database: \(directory)/ignored.db
            heartbeat:
              intervalSeconds: 30
            logLevel: debug
            """.write(toFile: directory + "/fleetd.yaml", atomically: true, encoding: .utf8)
        let fleetd = Process()
        fleetd.executableURL = URL(fileURLWithPath: AgentProcess.fleetdPath)
        fleetd.arguments = ["--config", directory + "/fleetd.yaml", "--database", directory + "/fleet.db"]
        var environment = ProcessInfo.processInfo.environment
        environment["FLEETD_HEARTBEAT_INTERVAL_SECONDS"] = "0.2"
        fleetd.environment = environment
        let log = Pipe()
        fleetd.standardError = log
        try fleetd.run()
        defer { if fleetd.isRunning { kill(fleetd.processIdentifier, SIGKILL) } }

        var store: FleetStore?
        for _ in 0..<100 where store == nil {
            try await Task.sleep(for: .milliseconds(100))
            if FileManager.default.fileExists(atPath: directory + "/fleet.db") { store = try? FleetStore(path: directory + "/fleet.db") }
        }
        let db = try #require(store)
        var state: String?
        for _ in 0..<100 where state != "responsive" {
            try await Task.sleep(for: .milliseconds(100))
            state = try await db.database.read { try String.fetchOne($0, sql: "SELECT state FROM vm WHERE name = 'web1'") }
        }
        #expect(state == "responsive")
        #expect(!FileManager.default.fileExists(atPath: directory + "/ignored.db"))
        try await Task.sleep(for: .seconds(1))

        kill(fleetd.processIdentifier, SIGTERM)
        fleetd.waitUntilExit()
        #expect(fleetd.terminationStatus == 0)
        // Heartbeats every 0.2 s (the variable won over the file's 30 s), their figures written
        // to the row on the way out.
        let pings = try await db.database.read { try Int.fetchOne($0, sql: "SELECT ping_ok FROM vm WHERE name = 'web1'") } ?? 0
        #expect(pings >= 3)
        let last = try await db.database.read {
            try String.fetchOne($0, sql: "SELECT to_state FROM vm_transition ORDER BY id DESC LIMIT 1")
        }
        #expect(last == "disconnected")
        let output = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("vm=web1"))
        #expect(output.contains("fleetd stopped"))
    }

    @Test("a missing socket directory is a clear error and exit status 1")
    func missingDirectory() throws {
        let result = try runCommand(AgentProcess.fleetdPath, ["--socket-dir", "/nonexistent/vms", "--database", "/tmp/fleetd-never.db"])
        #expect(result.status == 1)
    }
}
