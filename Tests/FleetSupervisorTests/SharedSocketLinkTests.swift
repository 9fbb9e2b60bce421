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
        let other = try agent.connect()
        let started = ContinuousClock.now
        #expect(other.call(Self.ping, timeout: 2)?["return"] != nil)
        #expect(ContinuousClock.now - started < .milliseconds(500))
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
        var config = SupervisorTests.fastConfig(directory)
        config.connection = .shared
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

    /// Runs blocking work on a thread of its own (not the concurrency pool's few threads, which
    /// the supervisor under test needs).
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }

    /// Proxmox's own calls for `seconds`, one caller per VM: guest-ping (3 s), guest-get-host-name (5 s).
    static func proxmoxCalls(_ paths: [String], seconds: Double) async -> (answered: Int, total: Int, failures: [String]) {
        await withTaskGroup(of: (Int, Int, [String]).self) { group in
            for path in paths {
                group.addTask {
                    await onThread {
                        let client = ProxmoxLikeClient(path: path)
                        let end = Date().addingTimeInterval(seconds)
                        var answered = 0, total = 0
                        var failures: [String] = []
                        while Date() < end {
                            for (command, timeout) in [("guest-ping", 3.0), ("guest-get-host-name", 5.0)] {
                                total += 1
                                switch client.call(command, timeout: timeout) {
                                case .answered: answered += 1
                                case .timedOut(let stage): failures.append("\(path): \(command) at \(stage)")
                                }
                            }
                            usleep(50_000)
                        }
                        return (answered, total, failures)
                    }
                }
            }
            var result = (answered: 0, total: 0, failures: [String]())
            for await (answered, total, failures) in group {
                result.answered += answered
                result.total += total
                result.failures += failures
            }
            return result
        }
    }

    @Test("Proxmox's calls are answered while fleetd supervises the same sockets in shared mode, and not in exclusive mode")
    func proxmoxCoexistence() async throws {
        let directory = try makeTemporaryDirectory("fleet-pve")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var agents = [
            try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "pve-101", socketPath: directory + "/101.qga"),
            try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "pve-102", socketPath: directory + "/102.qga"),
        ]
        if AgentProcess.qemuGAInstalled {
            agents.append(try AgentProcess(executable: AgentProcess.qemuGAPath, name: "pve-103", socketPath: directory + "/103.qga"))
        }
        defer { agents.forEach { $0.stop() } }
        let names = agents.map { URL(fileURLWithPath: $0.socketPath).deletingPathExtension().lastPathComponent }

        func supervise(_ mode: ConnectionMode, database: String) -> (FleetStore, Task<Void, any Error>)? {
            guard let store = try? FleetStore(path: database) else { return nil }
            var config = SupervisorTests.fastConfig(directory)
            config.socketNaming = SocketNaming(pattern: "*.qga")
            config.connection = mode
            config.heartbeatInterval = .milliseconds(500)
            config.sharedSyncWait = .milliseconds(300)
            let supervisor = Supervisor(config: config, store: store)
            return (store, Task { try await supervisor.run() })
        }

        let (store, running) = try #require(supervise(.shared, database: directory + "/shared.db"))
        for name in names {
            #expect(try await SupervisorTests.waitFor(store, expected: "responsive", SupervisorTests.state(name)) == "responsive")
        }
        let shared = await Self.proxmoxCalls(agents.map(\.socketPath), seconds: 20)
        #expect(shared.total > 100)
        #expect(Double(shared.answered) >= 0.999 * Double(shared.total), "\(shared.answered) of \(shared.total): \(shared.failures.prefix(5))")
        for name in names {
            #expect(try await store.database.read(SupervisorTests.state(name)) == "responsive")
        }
        let unresponsive = try await store.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM vm_transition WHERE to_state = 'unresponsive'")
        }
        #expect(unresponsive == 0, "no VM ever went unresponsive")
        running.cancel()
        _ = try? await running.value

        // The proof that the test can fail: fleetd's persistent connections starve the client.
        let (exclusiveStore, exclusive) = try #require(supervise(.exclusive, database: directory + "/exclusive.db"))
        defer { exclusive.cancel() }
        for name in names {
            #expect(try await SupervisorTests.waitFor(exclusiveStore, expected: "responsive", SupervisorTests.state(name)) == "responsive")
        }
        let starved = await Self.proxmoxCalls(agents.map(\.socketPath), seconds: 6)
        #expect(Double(starved.answered) < 0.5 * Double(starved.total), "\(starved.answered) of \(starved.total) answered beside exclusive connections")
    }
}
