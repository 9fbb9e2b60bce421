import FleetTestSupport
import Foundation
import GRDB
import Testing
@testable import FleetStore
@testable import FleetSupervisor

/// The supervisor against real agents in a temporary socket directory, checked through SQL.
@Suite("Supervisor end to end", .serialized)
struct SupervisorTests {
    static func fastConfig(_ directory: String, naming: SocketNaming = SocketNaming(), connection: ConnectionMode = .exclusive) -> SupervisorConfig {
        var config = SupervisorConfig(socketDirectory: directory, naming: naming, connection: connection)
        config.heartbeatInterval = .milliseconds(200)
        config.commandTimeout = .milliseconds(800)
        config.syncTimeout = .seconds(1)
        config.syncResend = .milliseconds(200)
        config.backoffInitial = .milliseconds(100)
        config.backoffMax = .milliseconds(500)
        config.rescanInterval = .seconds(1)
        // The tests' sockets are all new: without this every silent agent would be booting.
        // The boot grace has tests of its own (BootGraceTests).
        config.bootGrace = .zero
        return config
    }

    /// Polls `query` until it returns `expected` or `timeout` passes; returns the last value.
    static func waitFor<T: Equatable & Sendable>(
        _ store: FleetStore, timeout: Double = 20, expected: T, _ query: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        var value = try await store.database.read(query)
        while value != expected && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            value = try await store.database.read(query)
        }
        return value
    }

    static func state(_ name: String) -> @Sendable (Database) throws -> String? {
        { db in try String.fetchOne(db, sql: "SELECT state FROM vm WHERE name = ?", arguments: [name]) }
    }

    @Test("agents appear, answer, freeze under SIGSTOP, come back, and leave — all recorded")
    func lifecycle() async throws {
        let directory = try makeTemporaryDirectory("fleet-e2e")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try FleetStore(path: directory + "/fleet.db")
        let qemu = try AgentProcess(executable: AgentProcess.qemuGAPath, name: "qemu-ga", socketPath: directory + "/qga.sock")
        defer { qemu.stop() }

        let supervisor = Supervisor(config: Self.fastConfig(directory), store: store)
        let running = Task { try await supervisor.run() }
        defer { running.cancel() }

        // An agent that appears after fleetd started.
        try await Task.sleep(for: .milliseconds(300))
        let fleet = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "fleet-agent", socketPath: directory + "/fa.sock")
        defer { fleet.stop() }

        #expect(try await Self.waitFor(store, expected: "responsive", Self.state("qga")) == "responsive")
        #expect(try await Self.waitFor(store, expected: "responsive", Self.state("fa")) == "responsive")

        // Inventory arrived, from both agents.
        let loopback = try await Self.waitFor(store, expected: true) { db in
            try Bool.fetchOne(db, sql: """
                SELECT COUNT(*) = 2 FROM address JOIN vm ON vm.id = address.vm_id
                WHERE address = '127.0.0.1' AND valid_to IS NULL
                """) ?? false
        }
        #expect(loopback)
        let versions = try await store.database.read { db in
            try String.fetchAll(db, sql: "SELECT version FROM agent_info JOIN vm ON vm.id = agent_info.vm_id ORDER BY vm.name")
        }
        #expect(versions.count == 2 && versions.contains("7.2.22"))

        // A stopped guest agent: unresponsive after the misses, responsive again once resumed.
        kill(qemu.process.processIdentifier, SIGSTOP)
        #expect(try await Self.waitFor(store, expected: "unresponsive", Self.state("qga")) == "unresponsive")
        kill(qemu.process.processIdentifier, SIGCONT)
        #expect(try await Self.waitFor(store, expected: "responsive", Self.state("qga")) == "responsive")

        // fleet-agent removes its socket when stopped: the VM is gone, with its history kept.
        fleet.stop()
        #expect(try await Self.waitFor(store, expected: "gone", Self.state("fa")) == "gone")
        running.cancel()
        _ = await running.result

        let history = try await store.database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT to_state, reason FROM vm_transition JOIN vm ON vm.id = vm_transition.vm_id
                WHERE vm.name = 'qga' ORDER BY vm_transition.id
                """).map { "\($0["to_state"] as String): \($0["reason"] as String)" }
        }
        #expect(history.prefix(4) == ["disconnected: socket appeared", "connecting: connecting", "syncing: connected", "responsive: sync id matched"])
        #expect(history.contains { $0.hasPrefix("unresponsive: 2 heartbeats missed") })
        #expect(try store.integrityCheck() == "ok")
        let pings = try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT ping_ok FROM vm WHERE name = 'fa'") ?? 0 }
        #expect(pings > 0)
    }
}
