import FleetTestSupport
import Foundation
import GRDB
import Testing
@testable import FleetStore
@testable import FleetSupervisor

@Suite("Exec ledger", .serialized)
struct ExecLedgerTests {
    static func waitForExec(_ store: FleetStore, _ id: Int64, timeout: Double = 30) async throws -> ExecRecord {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let record = try await store.exec(id: id)?.record
            if let record, record.isFinished || Date() > deadline { return record }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("an exec is recorded, run, and its output, exit code and truncation stored")
    func execThroughSupervisor() async throws {
        let directory = try makeTemporaryDirectory("fleet-exec")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try FleetStore(path: directory + "/fleet.db")
        let agent = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "fleet-agent", socketPath: directory + "/vm1.sock")
        defer { agent.stop() }
        var config = SupervisorTests.fastConfig(directory)
        // The 16 MiB capture is a 22 MB reply, parsed for seconds by a debug build on a busy
        // machine; heartbeats queued behind it must not reach their hard deadline (six
        // timeouts) and force a resync that would drop the reply.
        config.commandTimeout = .seconds(5)
        let supervisor = Supervisor(config: config, store: store)
        let running = Task { try await supervisor.run() }
        defer { running.cancel() }
        #expect(try await SupervisorTests.waitFor(store, expected: "responsive", SupervisorTests.state("vm1")) == "responsive")

        let vm1 = try #require(try await store.vm(named: "vm1"))
        let id = try await supervisor.submitExec(vm: vm1, .init(path: "sh", args: ["-c", "echo out; echo err >&2; exit 3"])).id
        let done = try await Self.waitForExec(store, id)
        #expect(done.state == .exited && done.exitCode == 3)
        #expect(done.stdout == Data("out\n".utf8) && done.stderr == Data("err\n".utf8))
        #expect(done.guestPid != nil && done.startedAt != nil && done.finishedAt != nil)

        let big = try await supervisor.submitExec(vm: vm1, .init(path: "sh", args: ["-c", "head -c 17000000 /dev/zero"])).id
        let bigDone = try await Self.waitForExec(store, big)
        #expect(bigDone.state == .exited && bigDone.outTruncated == true && bigDone.stdout?.count == 16 << 20, "\(bigDone.state) \(bigDone.error ?? "") \(String(describing: bigDone.stdout?.count))")

        let input = try await supervisor.submitExec(vm: vm1, .init(path: "cat", input: Array("to stdin".utf8))).id
        #expect(try await Self.waitForExec(store, input).stdout == Data("to stdin".utf8))

        let missing = try await supervisor.submitExec(vm: vm1, .init(path: "/no/such/program")).id
        let failed = try await Self.waitForExec(store, missing)
        #expect(failed.state == .failed && failed.error?.contains("No such file or directory") == true)

    }

    @Test("fleetd killed with SIGKILL while an exec runs: restarted, it resumes and stores the result")
    func resumeAfterKill() async throws {
        let directory = try makeTemporaryDirectory("fleet-kill")
        let vms = directory + "/vms"
        try FileManager.default.createDirectory(atPath: vms, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let agent = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "fleet-agent", socketPath: vms + "/vm1.sock")
        defer { agent.stop() }
        let store = try FleetStore(path: directory + "/fleet.db")
        let vm = try await store.attachVMs([("vm1", vms + "/vm1.sock")], at: Date().millis)[0]
        let id = try await store.submitExec(vmID: vm, .init(path: "sh", args: ["-c", "sleep 2; echo done"]), at: Date().millis).id

        func startFleetd() throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: AgentProcess.fleetdPath)
            process.arguments = ["--socket-dir", vms, "--database", directory + "/fleet.db", "--heartbeat-interval-seconds", "0.2"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let first = try startFleetd()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        var state: ExecState?
        for _ in 0..<200 where state != .running {
            try await Task.sleep(for: .milliseconds(25))
            state = try await store.exec(id: id)?.record.state
        }
        #expect(state == .running)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(try store.integrityCheck() == "ok")

        let second = try startFleetd()
        defer {
            kill(second.processIdentifier, SIGTERM)
            second.waitUntilExit()
        }
        let done = try await Self.waitForExec(store, id)
        #expect(done.state == .exited && done.exitCode == 0 && done.stdout == Data("done\n".utf8))
    }

    @Test("an exec submitted while the guest is frozen waits, and runs as soon as it is thawed")
    func execWaitsForThaw() async throws {
        let directory = try makeTemporaryDirectory("fleet-exec-frozen")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try FleetStore(path: directory + "/fleet.db")
        // Started with the frozen marker: frozen to fleetd without freezing anything here, and a
        // thaw of filesystems that are not frozen is harmless.
        let agent = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "fleet-agent", socketPath: directory + "/vm1.sock") { state in
            _ = FileManager.default.createFile(atPath: state.appendingPathComponent("state/qga.state.isfrozen").path, contents: nil)
        }
        defer { agent.stop() }
        let supervisor = Supervisor(config: SupervisorTests.fastConfig(directory), store: store)
        let running = Task { try await supervisor.run() }
        defer { running.cancel() }
        #expect(try await SupervisorTests.waitFor(store, expected: "frozen", SupervisorTests.state("vm1")) == "frozen")

        let vm1 = try #require(try await store.vm(named: "vm1"))
        let id = try await supervisor.submitExec(vm: vm1, .init(path: "echo", args: ["thawed"])).id
        // Past several heartbeats: a frozen agent refuses guest-exec, so nothing is sent.
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await store.exec(id: id)?.record.state == .pending)

        _ = try await supervisor.actions(for: "vm1").thaw()
        let done = try await Self.waitForExec(store, id, timeout: 10)
        #expect(done.state == .exited && done.stdout == Data("thawed\n".utf8), "\(done.state) \(done.error ?? "")")
    }
}
