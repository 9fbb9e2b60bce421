import CLinuxSupport
import FleetTestSupport
@testable import FleetStore
import Foundation
import GRDB
import NIOPosix
import QGA
import Testing
@testable import FleetSupervisor

/// A shared agent socket, against real agents that serve one client at a time as QEMU's chardev
/// does: fleetd's exchanges leave the socket free for the other client, and a connect queued
/// behind that client is busy, not a miss.
@Suite("Shared agent socket")
struct SharedSocketLinkTests {
    static let timeouts = LinkTimeouts(routine: .seconds(3), long: .seconds(10))

    static func link(_ path: String, syncWait: Duration = .milliseconds(300)) -> SharedSocketLink {
        SharedSocketLink(
            path: path, group: MultiThreadedEventLoopGroup.singleton, limits: AgentConnection.defaultLimits,
            timeouts: timeouts, syncWait: syncWait)
    }

    static let ping = #"{"execute":"guest-ping","id":7}"#

    @Test("each exchange is its own connection: between them another client is answered at once", arguments: [
        AgentProcess.fleetAgentPath, AgentProcess.qemuGAPath,
    ])
    func exchanges(agentPath: String) async throws {
        guard FileManager.default.isExecutableFile(atPath: agentPath) else { return }
        let agent = try AgentProcess(executable: agentPath, name: "shared")
        defer { agent.stop() }
        let link = Self.link(agent.socketPath)
        try await link.synchronize()
        let name = try await link.call(GuestGetHostNameCommand.self)
        #expect(!name.hostName.isEmpty)
        // fleetd holds nothing now: a client that connects is served without waiting.
        var other: QGAClient? = try agent.connect()
        let started = ContinuousClock.now
        #expect(other?.call(Self.ping, timeout: 2)?["return"] != nil)
        #expect(ContinuousClock.now - started < .milliseconds(500))
        other = nil
        // A batch is one exchange, answered in full, and leaves the socket free as well.
        let batch = await link.send(batch: [GuestGetHostNameCommand.request(QGAEmpty()), GuestGetTimeCommand.request(QGAEmpty())], within: .routine)
        #expect(try batch[0].result(GuestGetHostNameCommand.self) == name)
        #expect(try batch[1].result(GuestGetTimeCommand.self) > 0)
        let third = try agent.connect()
        let again = ContinuousClock.now
        #expect(third.call(Self.ping, timeout: 2)?["return"] != nil)
        #expect(ContinuousClock.now - again < .milliseconds(500))
    }

    @Test("while another client holds the agent an exchange is busy; that client is not disturbed; then the agent answers again")
    func busy() async throws {
        let agent = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "shared-busy")
        defer { agent.stop() }
        var holder: QGAClient? = try agent.connect()
        #expect(holder?.call(Self.ping)?["return"] != nil, "the other client holds the agent")
        let link = Self.link(agent.socketPath)
        await #expect(throws: AgentConnectionError.busy) { try await link.call(GuestPingCommand.self) }
        await #expect(throws: AgentConnectionError.busy) { try await link.synchronize() }
        let batch = await link.send(batch: [GuestPingCommand.request(QGAEmpty()), GuestGetTimeCommand.request(QGAEmpty())], within: .routine)
        let failures = batch.map { reply -> AgentConnectionError? in if case .failure(let error) = reply.outcome { error } else { nil } }
        #expect(failures == [.busy, .busy], "a batch that cannot start fails every member alike")
        // The holder goes on as before: fleetd's abandoned connections sent nothing but syncs,
        // and those wait behind it.
        #expect(holder?.call(#"{"execute":"guest-get-host-name","id":8}"#)?["return"]?["host-name"] != nil)
        holder = nil
        // Once it leaves, the agent drains the abandoned syncs and answers fleetd.
        var answered = false
        for _ in 0..<20 where !answered {
            answered = (try? await link.call(GuestPingCommand.self)) != nil
        }
        #expect(answered)
    }

    @Test("a listener that accepts and stays silent is a sync timeout (a miss); one that never accepts is busy")
    func silentOrQueued() async throws {
        let directory = try makeTemporaryDirectory("fleet-shared")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/vm.sock"
        let listener = try UnixSocket.listen(at: path, backlog: 4)
        defer { close(listener) }
        let link = Self.link(path, syncWait: .milliseconds(200))
        // Nobody accepts: the connection waits in the accept queue.
        await #expect(throws: AgentConnectionError.busy) { try await link.synchronize() }
        let batch = await link.send(batch: [GuestPingCommand.request(QGAEmpty()), GuestGetTimeCommand.request(QGAEmpty())], within: .routine)
        let failures = batch.map { reply -> AgentConnectionError? in if case .failure(let error) = reply.outcome { error } else { nil } }
        #expect(failures == [.busy, .busy], "a batch that cannot start fails every member alike")
        #expect(fleet_unix_accept_queue(path) >= 1)
        // Accept everything queued, read nothing, answer nothing.
        var accepted: [Int32] = []
        defer { accepted.forEach { close($0) } }
        while fleet_unix_accept_queue(path) > 0 { accepted.append(accept(listener, nil, nil)) }
        let acceptor = Task.detached {
            var fds: [Int32] = []
            for _ in 0..<50 where fds.isEmpty {
                if fleet_unix_accept_queue(path) > 0 { fds.append(accept(listener, nil, nil)) } else { try? await Task.sleep(for: .milliseconds(10)) }
            }
            return fds
        }
        await #expect(throws: AgentConnectionError.syncTimeout) { try await link.synchronize() }
        accepted += await acceptor.value
    }

    @Test("a full accept queue (the connect itself refused for now) is busy too; a socket nobody listens on is gone")
    func fullQueue() async throws {
        let directory = try makeTemporaryDirectory("fleet-shared")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/vm.sock"
        // Backlog 0: one connection may wait, the next connect fails with EAGAIN.
        let listener = try UnixSocket.listen(at: path, backlog: 0)
        let queued = try UnixSocket.connect(to: path)
        defer { close(queued) }
        #expect(fleet_unix_probe(path) == EAGAIN)
        await #expect(throws: AgentConnectionError.busy) { try await Self.link(path).synchronize() }
        close(listener)
        #expect(fleet_unix_probe(path) == ECONNREFUSED)
        await #expect(throws: AgentConnectionError.disconnected) { try await Self.link(path).synchronize() }
        #expect(fleet_unix_probe(directory + "/none.sock") == ENOENT)
    }

    @Test("the accept queue of a socket path: none when nobody listens there")
    func acceptQueue() throws {
        let directory = try makeTemporaryDirectory("fleet-shared")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(fleet_unix_accept_queue(directory + "/none.sock") == -1)
        let listener = try UnixSocket.listen(at: directory + "/vm.sock", backlog: 4)
        defer { close(listener) }
        #expect(fleet_unix_accept_queue(directory + "/vm.sock") == 0)
        let a = try UnixSocket.connect(to: directory + "/vm.sock"), b = try UnixSocket.connect(to: directory + "/vm.sock")
        defer { close(a); close(b) }
        #expect(fleet_unix_accept_queue(directory + "/vm.sock") == 2)
        close(accept(listener, nil, nil))
        #expect(fleet_unix_accept_queue(directory + "/vm.sock") == 1)
    }

    @Test("fleetd in shared mode: a VM whose agent another client holds stays responsive and says busy, misses nothing, and recovers")
    func supervisedBusy() async throws {
        let directory = try makeTemporaryDirectory("fleet-shared")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try FleetStore(path: directory + "/fleet.db")
        let agent = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "fleet-agent", socketPath: directory + "/vm1.sock")
        defer { agent.stop() }
        var config = SupervisorTests.fastConfig(directory, connection: .shared)
        config.sharedSyncWait = .milliseconds(400)
        let supervisor = Supervisor(config: config, store: store)
        let running = Task { try await supervisor.run() }
        defer { running.cancel() }
        let stateAndReason: @Sendable (Database) throws -> [String] = { db in
            try Row.fetchOne(db, sql: "SELECT state, state_reason FROM vm WHERE name = 'vm1'").map { [$0[0], $0[1]] } ?? []
        }
        #expect(try await SupervisorTests.waitFor(store, expected: "responsive", SupervisorTests.state("vm1")) == "responsive")
        // Another client connects (once fleetd's exchange in progress, if any, is done) and stays.
        var holder: QGAClient? = try agent.connect()
        #expect(holder?.call(Self.ping)?["return"] != nil)
        let busy = ["responsive", SessionMachine.busyReason]
        #expect(try await SupervisorTests.waitFor(store, expected: busy, stateAndReason) == busy)
        try await Task.sleep(for: .seconds(1))
        #expect(try await store.database.read(stateAndReason) == busy, "busy for five heartbeats is still responsive")
        #expect(try await store.vm(named: "vm1")?.pingMissed == 0, "and nothing was missed")
        holder = nil
        // The spell ends with the next answer: a heartbeat's, or a resync's when the agent was
        // slow to drain the syncs fleetd abandoned meanwhile (seen on a loaded CI machine).
        let recovered: @Sendable (Database) throws -> Bool = { db in
            let now = try stateAndReason(db)
            return now.first == "responsive" && ["heartbeat answered", "sync id matched"].contains(now.last ?? "")
        }
        #expect(try await SupervisorTests.waitFor(store, expected: true, recovered))
        let history = try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM vm_transition WHERE to_state = 'unresponsive'") }
        #expect(history == 0)
    }
}
