import FleetTestSupport
@testable import FleetStore
import Foundation
import GRDB
import QGA
import Synchronization
import Testing
@testable import FleetSupervisor

/// The freeze watchdog against a scripted agent that keeps a frozen flag (a real freeze would
/// freeze this machine): an overdue freeze is flagged; fleetd's own is thawed at its deadline
/// unless extended; another client's is never thawed by fleetd.
@Suite("Freeze watchdog")
struct FreezeWatchdogTests {
    /// An agent whose file systems freeze and thaw only in a flag.
    final class FreezingAgent: Sendable {
        let frozen: Atomic<Bool>
        /// When the agent was last sent a thaw (measured here, not by polling the store).
        let thawedAt = Mutex<Date?>(nil)

        init(frozen: Bool) {
            self.frozen = Atomic(frozen)
        }

        func listen(at path: String) throws -> ScriptedAgent {
            try ScriptedAgent(socketPath: path) { [self] request, fd in
                if ScriptedAgent.answerSync(request, fd) { return }
                let id = request["id"]
                let command: (String) -> JSONValue = { ["name": .string($0), "enabled": true, "success-response": true] }
                switch request["execute"]?.stringValue {
                case "guest-info":
                    let names = ["guest-ping", "guest-fsfreeze-status", "guest-fsfreeze-freeze", "guest-fsfreeze-thaw"]
                    ScriptedAgent.reply(fd, QGAReply.success(["version": "7.2.0", "supported_commands": .array(names.map(command))], id: id).json)
                case "guest-ping": ScriptedAgent.reply(fd, QGAReply.success([:], id: id).json)
                case "guest-fsfreeze-status":
                    ScriptedAgent.reply(fd, QGAReply.success(frozen.load(ordering: .relaxed) ? "frozen" : "thawed", id: id).json)
                case "guest-fsfreeze-freeze", "guest-fsfreeze-thaw":
                    let freezing = request["execute"]?.stringValue == "guest-fsfreeze-freeze"
                    if !freezing { thawedAt.withLock { $0 = Date() } }
                    frozen.store(freezing, ordering: .relaxed)
                    ScriptedAgent.reply(fd, QGAReply.success(1, id: id).json)
                default: ScriptedAgent.reply(fd, QGAReply.failure(QGAError(.commandNotFound, "not here"), id: id).json)
                }
            }
        }
    }

    static func reason(_ name: String) -> @Sendable (Database) throws -> String? {
        { db in try String.fetchOne(db, sql: "SELECT state_reason FROM vm WHERE name = ?", arguments: [name]) }
    }

    static func supervise(_ directory: String) throws -> (Supervisor, FleetStore, Task<Void, any Error>) {
        var config = SupervisorTests.fastConfig(directory)
        config.freezeMax = .seconds(1)
        let store = try FleetStore(path: directory + "/fleet.db")
        let supervisor = Supervisor(config: config, store: store)
        return (supervisor, store, Task { try await supervisor.run() })
    }

    @Test("fleetd's own freeze: flagged when overdue, kept past its first deadline when extended, thawed at the new one")
    func ownFreezeThawedAtDeadline() async throws {
        let directory = try makeTemporaryDirectory("fleet-freeze-deadline")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let agent = FreezingAgent(frozen: false)
        let listening = try agent.listen(at: directory + "/vm1.sock")
        defer { _ = listening }
        let (supervisor, store, running) = try Self.supervise(directory)
        defer { running.cancel() }
        #expect(try await SupervisorTests.waitFor(store, expected: "responsive", SupervisorTests.state("vm1")) == "responsive")

        let issued = Date()
        let frozen = try await supervisor.actions(for: "vm1").freeze(mountpoints: nil, thawAfter: .seconds(2))
        #expect(frozen.count == 1)
        let firstDeadline = try #require(frozen.thawBy)
        #expect(abs(firstDeadline.timeIntervalSince(issued) - 2) < 0.5)
        let extended = try await supervisor.actions(for: "vm1").extendFreeze(by: .seconds(4))
        #expect(extended > firstDeadline)

        let flagged = "frozen for 1 s, longer than freeze.maxSeconds (1 s): the guest's writes wait until it is thawed"
        #expect(try await SupervisorTests.waitFor(store, timeout: 3, expected: flagged, Self.reason("vm1")) == flagged)
        try await Task.sleep(until: .now + .seconds(firstDeadline.timeIntervalSinceNow + 0.5))
        let stillFrozen = agent.frozen.load(ordering: .relaxed)
        #expect(stillFrozen, "thawed at the deadline it was extended past")

        #expect(try await SupervisorTests.waitFor(store, timeout: 5, expected: "responsive", SupervisorTests.state("vm1")) == "responsive")
        let thawedByAgent = !agent.frozen.load(ordering: .relaxed)
        #expect(thawedByAgent)
        let thawedAt = try #require(agent.thawedAt.withLock { $0 })
        #expect(abs(thawedAt.timeIntervalSince(extended)) < 1.5, "thawed at \(thawedAt), deadline \(extended)")
        let reason = try await store.database.read(Self.reason("vm1"))
        #expect(reason?.hasPrefix("thawed by fleetd: its freeze's deadline passed (frozen ") == true, "\(reason ?? "")")
    }

    @Test("another client's freeze: flagged when overdue, never thawed by fleetd, and its deadline cannot be set")
    func otherClientsFreezeOnlyFlagged() async throws {
        let directory = try makeTemporaryDirectory("fleet-freeze-other")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let agent = FreezingAgent(frozen: true)
        let listening = try agent.listen(at: directory + "/vm1.sock")
        defer { _ = listening }
        let (supervisor, store, running) = try Self.supervise(directory)
        defer { running.cancel() }
        #expect(try await SupervisorTests.waitFor(store, expected: "frozen", SupervisorTests.state("vm1")) == "frozen")
        let flagged = "frozen for 1 s, longer than freeze.maxSeconds (1 s): the guest's writes wait until it is thawed"
        #expect(try await SupervisorTests.waitFor(store, timeout: 3, expected: flagged, Self.reason("vm1")) == flagged)
        await #expect(throws: FreezeDeadlineRefused.self) { _ = try await supervisor.actions(for: "vm1").extendFreeze(by: .seconds(5)) }
        try await Task.sleep(for: .seconds(2))
        let stillFrozen = agent.frozen.load(ordering: .relaxed)
        #expect(stillFrozen)
        #expect(try await store.database.read(SupervisorTests.state("vm1")) == "frozen")
    }
}
