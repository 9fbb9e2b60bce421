import Foundation

/// What a finished process left: its status and both output streams, kept apart.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: String
    public var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs a program to completion with stdin from `input`, optionally under `setpriv` as another
/// user (`asUser: (uid, gid, groups)`), and collects stdout and stderr separately.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: Data? = nil,
    asUser: (uid: UInt32, gid: UInt32, groups: [UInt32])? = nil
) throws -> ProcessResult {
    let process = Process()
    if let user = asUser {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        let groups = user.groups.isEmpty ? ["--clear-groups"] : ["--groups=" + user.groups.map(String.init).joined(separator: ",")]
        process.arguments = ["--reuid=\(user.uid)", "--regid=\(user.gid)"] + groups + [executable] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
    }
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe(), stdin = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(input) }
    try? stdin.fileHandleForWriting.close()
    // Drain stderr on its own thread so neither pipe can fill up and stall the child.
    let errorBox = ErrorOutputBox()
    let reader = Thread { errorBox.data = err.fileHandleForReading.readDataToEndOfFile(); errorBox.done.signal() }
    reader.start()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    errorBox.done.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: stdout, stderr: String(decoding: errorBox.data, as: UTF8.self))
}

private final class ErrorOutputBox: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
