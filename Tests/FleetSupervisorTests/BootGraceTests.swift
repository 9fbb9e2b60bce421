import FleetTestSupport
@testable import FleetStore
import Foundation
import GRDB
import QGA
import Synchronization
import Testing
@testable import FleetSupervisor

/// A VM that has just started: its socket is new and its agent not up yet (QEMU accepts the
/// connection; nothing answers). It is `booting`, not unresponsive, until the agent answers or
/// the boot grace ends; a VM whose socket is old gets no grace.
@Suite("Boot grace")
struct BootGraceTests {
    /// Whether an agent has come up yet.
    final class AgentUp: Sendable {
        private let value = Atomic(false)
        var isUp: Bool { value.load(ordering: .relaxed) }
        func comeUp() { value.store(true, ordering: .relaxed) }
    }

    /// An agent that stays silent until it comes up, then answers syncs and pings.
    static func agent(_ path: String, _ up: AgentUp) throws -> ScriptedAgent {
        try ScriptedAgent(socketPath: path) { request, fd in
            guard up.isUp else { return }
            if ScriptedAgent.answerSync(request, fd) { return }
            let id = request["id"]
            switch request["execute"]?.stringValue {
            case "guest-info": ScriptedAgent.reply(fd, QGAReply.success(["version": "7.2.0", "supported_commands": []], id: id).json)
            default: ScriptedAgent.reply(fd, QGAReply.success([:], id: id).json)
            }
        }
    }

    static func reasons(_ name: String) -> @Sendable (Database) throws -> [String] {
        { db in
            try String.fetchAll(db, sql: """
                SELECT t.to_state || ': ' || t.reason FROM vm_transition t JOIN vm ON vm.id = t.vm_id
                WHERE vm.name = ? ORDER BY t.id
                """, arguments: [name])
        }
    }

    @Test("new sockets: booting until the agent answers (then responsive) or the grace ends (then unresponsive); an old socket: unresponsive")
    func grace() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-boot-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let comesUp = AgentUp()
        let agents = [
            try Self.agent(directory + "/comes-up.sock", comesUp),
            try Self.agent(directory + "/never-up.sock", AgentUp()),
            try Self.agent(directory + "/old.sock", AgentUp()),
        ]
        _ = agents
        // A VM started an hour ago whose agent is silent: nothing to wait for.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: directory + "/old.sock")

        var config = SupervisorTests.fastConfig(directory)
        config.bootGrace = .seconds(6)
        let store = try FleetStore(path: directory + "/fleet.db")
        let running = Task { try await Supervisor(config: config, store: store).run() }
        defer { running.cancel() }

        #expect(try await SupervisorTests.waitFor(store, expected: "unresponsive", SupervisorTests.state("old")) == "unresponsive")
        #expect(try await SupervisorTests.waitFor(store, expected: "booting", SupervisorTests.state("comes-up")) == "booting")
        #expect(try await SupervisorTests.waitFor(store, expected: "booting", SupervisorTests.state("never-up")) == "booting")

        comesUp.comeUp()
        #expect(try await SupervisorTests.waitFor(store, expected: "responsive", SupervisorTests.state("comes-up")) == "responsive")
        let upHistory = try await store.database.read(Self.reasons("comes-up"))
        #expect(!upHistory.contains { $0.hasPrefix("unresponsive") }, "\(upHistory)")

        #expect(try await SupervisorTests.waitFor(store, expected: "unresponsive", SupervisorTests.state("never-up")) == "unresponsive")
        let downHistory = try await store.database.read(Self.reasons("never-up"))
        #expect(downHistory.last == "unresponsive: the agent has not answered within the boot grace (6 s)", "\(downHistory)")
        #expect(downHistory.contains { $0.hasPrefix("booting: the VM has just started") }, "\(downHistory)")
        let oldHistory = try await store.database.read(Self.reasons("old"))
        #expect(!oldHistory.contains { $0.hasPrefix("booting") }, "\(oldHistory)")
    }
}
