import FleetTestSupport
@testable import FleetStore
import Foundation
import GRDB
import QGA
import Synchronization
import Testing
@testable import FleetSupervisor

/// A bare QEMU VM with a QMP monitor beside its agent socket: paused by its operator, it is
/// `paused` — sent nothing, no miss counted, actions refused at once — and resynced the moment
/// it runs again. The agent here answers even while "paused" (its QEMU has no guest), so any
/// request fleetd sent meanwhile would show.
@Suite("Paused VMs", .enabled(if: QEMUMonitorProcess.installed))
struct PausedVMTests {
    static func misses(_ name: String) -> @Sendable (Database) throws -> Int64? {
        { db in try Int64.fetchOne(db, sql: "SELECT ping_missed FROM vm WHERE name = ?", arguments: [name]) }
    }

    /// An agent that answers everything (its QEMU has no guest to pause); `counted` sees each request.
    static func agent(_ path: String, counted: @escaping @Sendable () -> Void = {}) throws -> ScriptedAgent {
        try ScriptedAgent(socketPath: path) { request, fd in
            counted()
            if ScriptedAgent.answerSync(request, fd) { return }
            let id = request["id"]
            switch request["execute"]?.stringValue {
            case "guest-info": ScriptedAgent.reply(fd, QGAReply.success(["version": "7.2.0", "supported_commands": []], id: id).json)
            default: ScriptedAgent.reply(fd, QGAReply.success([:], id: id).json)
            }
        }
    }

    @Test("QMP stop: paused within 2 s, nothing sent, no miss, actions refused; cont: responsive within 2 s, resynced")
    func pauseAndResume() async throws {
        let directory = try makeTemporaryDirectory("fleet-paused")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let requests = Atomic(0)
        let agent = try Self.agent(directory + "/vm.sock") { requests.add(1, ordering: .relaxed) }
        _ = agent
        let qemu = try QEMUMonitorProcess(monitorPath: directory + "/vm.qmp", controlPath: directory + "/control.qmp")
        defer { qemu.stop() }

        let store = try FleetStore(path: directory + "/fleet.db")
        let supervisor = Supervisor(config: SupervisorTests.fastConfig(directory), store: store)
        let running = Task { try await supervisor.run() }
        defer { running.cancel() }
        #expect(try await SupervisorTests.waitFor(store, expected: "responsive", SupervisorTests.state("vm")) == "responsive")

        try qemu.execute("stop")
        #expect(try await SupervisorTests.waitFor(store, timeout: 2, expected: "paused", SupervisorTests.state("vm")) == "paused")
        // Whatever was in flight when it paused has landed; from here on nothing is sent.
        try await Task.sleep(for: .milliseconds(300))
        let sentBefore = requests.load(ordering: .relaxed)
        let missedBefore = try await store.database.read(Self.misses("vm"))
        try await Task.sleep(for: .seconds(2))  // ten heartbeat intervals
        let sentWhilePaused = requests.load(ordering: .relaxed) - sentBefore
        #expect(sentWhilePaused == 0)
        #expect(try await store.database.read(Self.misses("vm")) == missedBefore)
        await #expect(throws: SessionUnavailable(state: .paused)) { _ = try await supervisor.actions(for: "vm") }
        // An action that may wait: refused once its wait is over, carried out once the VM runs.
        await #expect(throws: SessionUnavailable(state: .paused)) {
            _ = try await supervisor.actions(for: "vm", waitWhilePaused: .milliseconds(300))
        }
        let waiting = Task { try await supervisor.actions(for: "vm", waitWhilePaused: .seconds(10)).ping() }
        try await Task.sleep(for: .milliseconds(300))

        try qemu.execute("cont")
        let pinged = try await waiting.value
        #expect(pinged > 0)
        #expect(try await SupervisorTests.waitFor(store, timeout: 2, expected: "responsive", SupervisorTests.state("vm")) == "responsive")
        let sentAfterResume = requests.load(ordering: .relaxed) - sentBefore
        #expect(sentAfterResume > 0)
        let history = try await store.database.read(BootGraceTests.reasons("vm"))
        #expect(history.suffix(3) == ["paused: paused by its operator", "syncing: resumed; resyncing", "responsive: sync id matched"], "\(history)")
        #expect(!history.contains { $0.hasPrefix("unresponsive") }, "\(history)")
    }

    @Test("a paused VM whose monitor goes away (QEMU killed, its socket removed) is judged by its agent again, not paused for ever")
    func monitorGone() async throws {
        let directory = try makeTemporaryDirectory("fleet-paused-gone")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let agent = try Self.agent(directory + "/vm.sock")
        _ = agent
        let qemu = try QEMUMonitorProcess(monitorPath: directory + "/vm.qmp", controlPath: directory + "/control.qmp")
        defer { qemu.stop() }
        let store = try FleetStore(path: directory + "/fleet.db")
        let running = Task { try await Supervisor(config: SupervisorTests.fastConfig(directory), store: store).run() }
        defer { running.cancel() }
        try qemu.execute("stop")
        #expect(try await SupervisorTests.waitFor(store, timeout: 5, expected: "paused", SupervisorTests.state("vm")) == "paused")

        kill(qemu.process.processIdentifier, SIGKILL)
        try FileManager.default.removeItem(atPath: qemu.monitorPath)
        #expect(try await SupervisorTests.waitFor(store, timeout: 5, expected: "responsive", SupervisorTests.state("vm")) == "responsive")
        let history = try await store.database.read(BootGraceTests.reasons("vm"))
        #expect(history.contains("syncing: QMP \(qemu.monitorPath) is gone; resyncing"), "\(history)")
    }
}
