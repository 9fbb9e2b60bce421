import Foundation

/// A real agent process (fleet-agent or Debian's qemu-ga) in unix-listen mode on a temporary
/// socket and state directory. Stopped by its PID when the test is done.
public final class AgentProcess {
    public let process = Process()
    public let directory: URL
    public let socketPath: String
    public let stateDirectory: String
    public let logPath: String

    public static var fleetAgentPath: String { builtProduct("fleet-agent") }

    public static var fleetdPath: String { builtProduct("fleetd") }

    /// A product of this build: the test runner lives in the build products directory, beside
    /// the executables.
    public static func builtProduct(_ name: String) -> String {
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return name
    }

    public static let qemuGAPath = "/usr/sbin/qemu-ga"

    public static var qemuGAInstalled: Bool { FileManager.default.isExecutableFile(atPath: qemuGAPath) }

    /// `prepare` runs before the agent starts (e.g. to place the frozen marker).
    /// `socketPath` places the socket elsewhere (e.g. in a directory fleetd watches).
    public init(
        executable: String, name: String, socketPath: String? = nil, extraArguments: [String] = [],
        environment: [String: String] = [:], prepare: (URL) throws -> Void = { _ in }
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-test-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("state"), withIntermediateDirectories: true)
        self.socketPath = socketPath ?? directory.appendingPathComponent("agent.sock").path
        stateDirectory = directory.appendingPathComponent("state").path
        logPath = directory.appendingPathComponent("agent.log").path
        try prepare(directory)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-m", "unix-listen", "-p", self.socketPath, "-t", stateDirectory] + extraArguments
        var env = ProcessInfo.processInfo.environment
        // Neither agent may read this machine's /etc/qemu/qemu-ga.conf during tests.
        env["QGA_CONF"] = directory.appendingPathComponent("none.conf").path
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Ready when a connection is accepted, not when the file appears: between the agent's
        // bind and its listen, a connect is refused.
        let deadline = Date().addingTimeInterval(10)
        while true {
            if FileManager.default.fileExists(atPath: self.socketPath), let probe = try? UnixSocket.connect(to: self.socketPath) {
                close(probe)
                break
            }
            guard process.isRunning, Date() < deadline else {
                throw TestFailure("\(name) did not create its socket: \(log)")
            }
            usleep(10_000)
        }
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func connect() throws -> QGAClient { try QGAClient(path: socketPath) }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            // qemu-ga takes a second or more to act on SIGTERM; the tests need no grace period.
            let deadline = Date().addingTimeInterval(0.5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

/// Runs a command and returns its standard output.
public func runCommand(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
