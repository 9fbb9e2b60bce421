import FleetTestSupport
@testable import FleetStore
import Foundation
import QGA
import Synchronization
import Testing
@testable import FleetSupervisor

/// Another client freezes and thaws the guest (Proxmox's vzdump on the shared socket, a stack on
/// the standard port while fleetd uses fleet-agent's own): fleetd's state follows the agent.
@Suite("Freezes by another client")
struct OtherClientFreezeTests {
    @Test("a VM frozen by another client is frozen in fleetd, and responsive again soon after that client thaws it")
    func thawFollowed() async throws {
        let directory = try makeTemporaryDirectory("fleet-other-freeze")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let frozen = Atomic<Bool>(true)
        let agent = try ScriptedAgent(socketPath: directory + "/vm1.sock") { request, fd in
            if ScriptedAgent.answerSync(request, fd) { return }
            let id = request["id"]
            let command: (String) -> JSONValue = { ["name": .string($0), "enabled": true, "success-response": true] }
            switch request["execute"]?.stringValue {
            case "guest-info":
                ScriptedAgent.reply(fd, QGAReply.success(["version": "7.2.0", "supported_commands": [command("guest-ping"), command("guest-fsfreeze-status")]], id: id).json)
            case "guest-ping": ScriptedAgent.reply(fd, QGAReply.success([:], id: id).json)
            case "guest-fsfreeze-status":
                ScriptedAgent.reply(fd, QGAReply.success(frozen.load(ordering: .relaxed) ? "frozen" : "thawed", id: id).json)
            default: ScriptedAgent.reply(fd, QGAReply.failure(QGAError(.commandNotFound, "not here"), id: id).json)
            }
        }
        _ = agent
        let store = try FleetStore(path: directory + "/fleet.db")
        let config = SupervisorTests.fastConfig(directory)
        let running = Task { try await Supervisor(config: config, store: store).run() }
        defer { running.cancel() }
        #expect(try await SupervisorTests.waitFor(store, expected: "frozen", SupervisorTests.state("vm1")) == "frozen")
        frozen.store(false, ordering: .relaxed)
        // Heartbeats keep being answered throughout: only asking the agent ends `frozen`.
        #expect(try await SupervisorTests.waitFor(store, timeout: 5, expected: "responsive", SupervisorTests.state("vm1")) == "responsive")
    }
}
