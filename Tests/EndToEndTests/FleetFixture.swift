import FleetTestSupport
import Foundation
import QGA

/// A real fleet on this machine: fleet-agents and a qemu-ga in unix-listen mode (plus any
/// scripted agents) in a socket directory, and a real fleetd with its control socket — driven
/// through the real fleetctl binary.
final class FleetFixture: @unchecked Sendable {
    let directory: URL
    let socketDirectory: String
    let controlSocket: String
    let database: String
    private(set) var agents: [String: AgentProcess] = [:]
    private(set) var scripted: [ScriptedAgent] = []
    private var fleetd: Process?
    let fleetdLog: String

    static var fleetctlPath: String { AgentProcess.builtProduct("fleetctl") }

    /// Groups the tier tests use: members of `readGroup` may read, of `operateGroup` operate.
    static let readGroup: UInt32 = 47_101
    static let operateGroup: UInt32 = 47_102

    init(fleetAgents: [String] = ["vm1", "vm2"], qemuGA: String? = "qga1") throws {
        directory = URL(fileURLWithPath: try makeTemporaryDirectory("e2e"))
        // Other users (the tier tests) must reach the control socket inside it.
        chmod(directory.path, 0o755)
        socketDirectory = directory.appendingPathComponent("vms").path
        controlSocket = directory.appendingPathComponent("fleetd.sock").path
        database = directory.appendingPathComponent("fleet.db").path
        fleetdLog = directory.appendingPathComponent("fleetd.log").path
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        for name in fleetAgents {
            agents[name] = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: name, socketPath: "\(socketDirectory)/\(name).sock")
        }
        if let qemuGA, AgentProcess.qemuGAInstalled {
            agents[qemuGA] = try AgentProcess(executable: AgentProcess.qemuGAPath, name: qemuGA, socketPath: "\(socketDirectory)/\(qemuGA).sock")
        }
    }

    /// A scripted agent named `name` in the socket directory (for actions no agent on this
    /// machine may receive).
    @discardableResult
    func addScripted(_ name: String, respond: @escaping @Sendable (JSONValue, Int32) -> Void) throws -> ScriptedAgent {
        let agent = try ScriptedAgent(socketPath: "\(socketDirectory)/\(name).sock", respond: respond)
        scripted.append(agent)
        return agent
    }

    func startFleetd(extraArguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: AgentProcess.fleetdPath)
        process.arguments = [
            "--socket-dir", socketDirectory, "--database", database, "--control-socket", controlSocket,
            "--heartbeat-interval-seconds", "0.5", "--timeouts-command-seconds", "2", "--timeouts-sync-seconds", "2",
            "--backoff-max-seconds", "1",
            "--control-socket-group", "\(Self.readGroup)", "--control-read-group", "\(Self.readGroup)",
            "--control-operate-group", "\(Self.operateGroup)",
        ] + extraArguments
        var env = ProcessInfo.processInfo.environment
        env["FLEETD_CONFIG"] = nil
        process.environment = env
        _ = FileManager.default.createFile(atPath: fleetdLog, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: fleetdLog))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        fleetd = process
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: controlSocket) || (try? fleetctl(["whoami"]).status) != 0 {
            guard process.isRunning, Date() < deadline else { throw TestFailure("fleetd did not open its control socket: \(log)") }
            usleep(50_000)
        }
    }

    var fleetdPID: Int32 { fleetd?.processIdentifier ?? 0 }

    var log: String { (try? String(contentsOfFile: fleetdLog, encoding: .utf8)) ?? "" }

    /// Runs fleetctl against this fleet's control socket.
    func fleetctl(
        _ arguments: [String], input: Data? = nil, asUser: (uid: UInt32, gid: UInt32, groups: [UInt32])? = nil,
        environment: [String: String] = [:]
    ) throws -> ProcessResult {
        var env = environment
        if env["FLEET_SOCKET"] == nil { env["FLEET_SOCKET"] = controlSocket }
        env["NO_COLOR"] = "1"
        return try runProcess(Self.fleetctlPath, arguments, environment: env, input: input, asUser: asUser)
    }

    /// fleetctl output parsed as JSON.
    func json(_ arguments: [String]) throws -> Any {
        let result = try fleetctl(arguments + ["--format", "json"])
        guard result.status == 0 else { throw TestFailure("fleetctl \(arguments) failed (\(result.status)): \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: result.stdout)
    }

    /// Waits until every named VM has the state (checked through fleetctl).
    func waitFor(_ names: [String], state: String, timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let vms = (try? json(["list"])) as? [[String: Any]] ?? []
            let states = Dictionary(vms.compactMap { vm in (vm["name"] as? String).map { ($0, vm["state"] as? String ?? "") } }, uniquingKeysWith: { a, _ in a })
            if names.allSatisfy({ states[$0] == state }) { return }
            guard Date() < deadline else { throw TestFailure("waiting for \(names) to be \(state); have \(states)\n\(log)") }
            usleep(100_000)
        }
    }

    var vmNames: [String] { agents.keys.sorted() }

    /// SIGKILL: fleetd gets no chance to flush or close anything.
    /// Starts fleet-sim serving its agents in this fixture's socket directory and returns it
    /// with the line it printed when its sockets were ready (the caller stops it).
    func launchFleetSim(_ arguments: [String]) throws -> (process: Process, readyLine: String) {
        let sim = Process()
        sim.executableURL = URL(fileURLWithPath: AgentProcess.builtProduct("fleet-sim"))
        sim.arguments = ["--dir", socketDirectory] + arguments
        let ready = Pipe()
        sim.standardOutput = ready
        try sim.run()
        return (sim, String(decoding: ready.fileHandleForReading.availableData, as: UTF8.self))
    }

    func killFleetd() {
        guard let fleetd, fleetd.isRunning else { return }
        kill(fleetd.processIdentifier, SIGKILL)
        fleetd.waitUntilExit()
    }

    func stopFleetd() {
        guard let fleetd, fleetd.isRunning else { return }
        kill(fleetd.processIdentifier, SIGTERM)
        fleetd.waitUntilExit()
    }

    deinit {
        stopFleetd()
        for agent in agents.values { agent.stop() }
        scripted.removeAll()
        try? FileManager.default.removeItem(at: directory)
    }
}
