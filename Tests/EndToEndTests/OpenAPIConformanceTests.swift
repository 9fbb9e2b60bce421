import FleetTestSupport
import Foundation
import Testing

/// The live fleetd against docs/openapi.yaml: every operation called over the control socket,
/// every answer's status, content type and body checked against the document
/// (scripts/check-openapi.py, with Python's jsonschema).
@Suite("control API conformance")
struct OpenAPIConformanceTests {
    @Test("every route of docs/openapi.yaml answers as the document says")
    func conformance() throws {
        let fleet = try FleetFixture(fleetAgents: ["vm1"], qemuGA: nil)
        let guest = ScriptedGuest()
        try fleet.addScripted("guest", respond: guest.respond)
        try fleet.startFleetd()
        try fleet.waitFor(["vm1", "guest"], state: "responsive")
        let script = HelpAndDocumentTests.root.appendingPathComponent("scripts/check-openapi.py").path
        let result = try runProcess(
            "/usr/bin/env",
            ["python3", script, fleet.controlSocket, "--agent-vm", "vm1", "--scripted-vm", "guest", "--scratch", fleet.directory.path,
             "--spec", HelpAndDocumentTests.documentPath])
        #expect(result.status == 0, "\(result.text)\(result.stderr)")
        #expect(result.text.contains("0 failures"))
        // The actions reached the scripted guest with the arguments the document describes.
        #expect(guest.requests("guest-set-user-password").first?["arguments"]?["password"] == .string(Data("s3cret".utf8).base64EncodedString()))
        #expect(guest.requests("guest-ssh-add-authorized-keys").first?["arguments"]?["keys"] == ["ssh-ed25519 AAAAC3Nza checked@host"])
    }
}
