import FleetTestSupport
@testable import FleetStore
import Foundation
import GRDB
import QGA
import Synchronization
import Testing
@testable import FleetSupervisor

/// fleetd on a Proxmox-like node: real agents on VMID.qga sockets, VMID.conf files, and a client
/// that calls the agents the way Proxmox does while fleetd supervises them. Serialized: the lock
/// test measures "within a heartbeat", which the minutes-long coexistence run beside it (a client
/// hammering two agents on two cores) once stretched to 2 s.
@Suite("Proxmox supervision", .serialized)
struct ProxmoxSupervisionTests {
    static func config(_ paths: ProxmoxPaths) -> SupervisorConfig {
        var config = SupervisorTests.fastConfig(paths.socketDirectory)
        config.sources = [.proxmox(paths)]
        config.heartbeatInterval = .milliseconds(500)
        config.sharedSyncWait = .milliseconds(300)
        config.proxmoxConfigPoll = .milliseconds(100)
        return config
    }

    static func row(_ name: String) -> @Sendable (Database) throws -> [String] {
        { db in
            try Row.fetchOne(db, sql: "SELECT state, state_reason, IFNULL(lock, '') FROM vm WHERE name = ?", arguments: [name]).map { [$0[0], $0[1], $0[2]] } ?? []
        }
    }

    @Test("Proxmox's calls (pings, host names, exec and its status polls) are answered while fleetd supervises the node; not beside exclusive connections")
    func coexistence() async throws {
        let node = try ProxmoxSourceTests.Node()
        defer { node.remove() }
        let run = node.paths.socketDirectory
        var agents = [
            try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "pve-101", socketPath: run + "/101.qga"),
            try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "pve-102", socketPath: run + "/102.qga"),
        ]
        if AgentProcess.qemuGAInstalled {
            agents.append(try AgentProcess(executable: AgentProcess.qemuGAPath, name: "pve-103", socketPath: run + "/103.qga"))
        }
        defer { agents.forEach { $0.stop() } }
        let names = ["web", "db", "mail"].prefix(agents.count)
        for (vmid, name) in zip(101..., names) { try node.config(vmid, "name: \(name)\nagent: 1\nostype: l26\n") }

        func supervise(_ config: SupervisorConfig, database: String) throws -> (FleetStore, Task<Void, any Error>) {
            let store = try FleetStore(path: database)
            let supervisor = Supervisor(config: config, store: store)
            return (store, Task { try await supervisor.run() })
        }
        let (store, running) = try supervise(Self.config(node.paths), database: node.root + "/shared.db")
        for name in names {
            #expect(try await SupervisorTests.waitFor(store, expected: "responsive", SupervisorTests.state(name)) == "responsive")
        }
        #expect(try await store.vm(named: "web")?.vmid == 101)
        // Minutes, as an operator's Proxmox would call all day.
        let shared = await ProxmoxCalls.run(agents.map(\.socketPath), seconds: 120)
        #expect(shared.total > 500)
        #expect(Double(shared.answered) >= 0.999 * Double(shared.total), "\(shared.answered) of \(shared.total): \(shared.failures.prefix(5))")
        #expect(shared.execs > 20, "exec + status polls ran")
        for name in names {
            #expect(try await store.database.read(SupervisorTests.state(name)) == "responsive")
        }
        let unresponsive = try await store.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM vm_transition WHERE to_state = 'unresponsive'")
        }
        #expect(unresponsive == 0, "no VM ever went unresponsive")
        running.cancel()
        _ = try? await running.value

        // The proof that the test can fail: persistent connections on the same sockets starve it.
        let exclusive = SupervisorTests.fastConfig(run, naming: SocketNaming(pattern: "*.qga"), connection: .exclusive)
        let (exclusiveStore, starving) = try supervise(exclusive, database: node.root + "/exclusive.db")
        defer { starving.cancel() }
        for vmid in 101..<(101 + agents.count) {
            #expect(try await SupervisorTests.waitFor(exclusiveStore, expected: "responsive", SupervisorTests.state("\(vmid)")) == "responsive")
        }
        let starved = await ProxmoxCalls.run(agents.map(\.socketPath), seconds: 6)
        #expect(Double(starved.answered) < 0.5 * Double(starved.total), "\(starved.answered) of \(starved.total) answered beside exclusive connections")
    }

    @Test("a lock in VMID.conf: fleetd stops talking to the VM within a heartbeat, shows it locked, and resumes when the lock goes")
    func lock() async throws {
        let node = try ProxmoxSourceTests.Node()
        defer { node.remove() }
        // A scripted agent, to count every request that reaches it.
        let requests = Atomic<Int>(0)
        let agent = try ScriptedAgent(socketPath: node.paths.socketDirectory + "/101.qga") { request, fd in
            requests.add(1, ordering: .relaxed)
            if ScriptedAgent.answerSync(request, fd) { return }
            let id = request["id"]
            switch request["execute"]?.stringValue {
            case "guest-info": ScriptedAgent.reply(fd, QGAReply.success(["version": "7.2.0", "supported_commands": []], id: id).json)
            case "guest-ping": ScriptedAgent.reply(fd, QGAReply.success([:], id: id).json)
            default: ScriptedAgent.reply(fd, QGAReply.failure(QGAError(.commandNotFound, "not here"), id: id).json)
            }
        }
        _ = agent
        try node.config(101, "name: web\nagent: 1\n")
        let config = Self.config(node.paths)
        let store = try FleetStore(path: node.root + "/fleet.db")
        let running = Task { try await Supervisor(config: config, store: store).run() }
        defer { running.cancel() }
        #expect(try await SupervisorTests.waitFor(store, expected: "responsive", SupervisorTests.state("web")) == "responsive")

        let lockedAt = Date().millis
        try node.config(101, "name: web\nagent: 1\nlock: backup\n")
        let locked = try await SupervisorTests.waitFor(store, expected: "locked", SupervisorTests.state("web"))
        #expect(locked == "locked")
        let record = try #require(try await store.vm(named: "web"))
        #expect(record.lock == "backup" && record.stateReason.contains("backup"), "\(record.stateReason)")
        #expect(Duration.milliseconds(record.stateSince - lockedAt) < config.heartbeatInterval, "locked within a heartbeat of the line's writing")
        let quietFrom = requests.load(ordering: .relaxed)
        try await Task.sleep(for: config.heartbeatInterval * 4)
        #expect(requests.load(ordering: .relaxed) == quietFrom, "nothing sent while locked")

        try node.config(101, "name: web\nagent: 1\n")
        #expect(try await SupervisorTests.waitFor(store, expected: "responsive", SupervisorTests.state("web")) == "responsive")
        #expect(requests.load(ordering: .relaxed) > quietFrom)
        let after = try #require(try await store.vm(named: "web"))
        #expect(after.lock == nil)
        let reasons = try await store.database.read { db in
            try String.fetchAll(db, sql: "SELECT reason FROM vm_transition ORDER BY id")
        }
        #expect(reasons.contains("Proxmox lock 'backup' released"), "\(reasons)")
    }

    @Test("a VM with its agent off, and a socket without a config, are listed and left alone")
    func leftAlone() async throws {
        var node = try ProxmoxSourceTests.Node()
        defer { node.remove() }
        try node.config(101, "name: legacy\nagent: 0\n")
        try node.socket("102.qga")  // nothing answers it: fleetd must not try
        let store = try FleetStore(path: node.root + "/fleet.db")
        let config = Self.config(node.paths)
        let running = Task { try await Supervisor(config: config, store: store).run() }
        defer { running.cancel() }
        #expect(try await SupervisorTests.waitFor(store, expected: "disabled", SupervisorTests.state("legacy")) == "disabled")
        #expect(try await SupervisorTests.waitFor(store, expected: "disabled", SupervisorTests.state("102")) == "disabled")
        #expect(try await store.vm(named: "legacy")?.stateReason == "guest agent disabled in \(node.paths.configDirectory)/101.conf")
        #expect(try await store.vm(named: "102")?.stateReason == "no VM config \(node.paths.configDirectory)/102.conf")
        // The config goes: the VM is gone (its history stays).
        try FileManager.default.removeItem(atPath: node.paths.configDirectory + "/101.conf")
        #expect(try await SupervisorTests.waitFor(store, expected: "gone", SupervisorTests.state("legacy")) == "gone")
    }
}

/// Proxmox's own calls, one caller per VM, each on a thread of its own (not the concurrency
/// pool's few threads, which the supervisor under test needs): guest-ping (3 s, as
/// qga_check_running), guest-get-host-name (5 s), and every fifth round `qm guest exec`:
/// guest-exec with captured output, then guest-exec-status polls until it exited.
enum ProxmoxCalls {
    struct Tally: Sendable {
        var answered = 0, total = 0, execs = 0
        var failures: [String] = []
    }

    static func run(_ paths: [String], seconds: Double) async -> Tally {
        await withTaskGroup(of: Tally.self) { group in
            for path in paths {
                group.addTask { await onThread { calls(path, until: Date().addingTimeInterval(seconds)) } }
            }
            var sum = Tally()
            for await tally in group {
                sum.answered += tally.answered
                sum.total += tally.total
                sum.execs += tally.execs
                sum.failures += tally.failures
            }
            return sum
        }
    }

    static func calls(_ path: String, until end: Date) -> Tally {
        let client = ProxmoxLikeClient(path: path)
        var tally = Tally()
        func call(_ command: String, _ arguments: String? = nil, timeout: Double = 5) -> JSONValue? {
            tally.total += 1
            switch client.call(command, arguments: arguments, timeout: timeout) {
            case .answered(let reply):
                tally.answered += 1
                return reply
            case .timedOut(let stage):
                tally.failures.append("\(path): \(command) at \(stage)")
                return nil
            }
        }
        var round = 0
        while Date() < end {
            _ = call("guest-ping", timeout: 3)
            _ = call("guest-get-host-name")
            round += 1
            if round % 5 == 0, let pid = call("guest-exec", #"{"path":"/bin/true","capture-output":true}"#)?["return"]?["pid"]?.int64Value {
                while let status = call("guest-exec-status", #"{"pid":\#(pid)}"#), status["return"]?["exited"] == false {
                    usleep(100_000)
                }
                tally.execs += 1
            }
            usleep(50_000)
        }
        return tally
    }

    static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
