import Foundation
import QGA
@testable import FleetAgent

/// An in-process agent over a fixture tree: a temporary root for /proc, /sys and /etc, a state
/// directory, and a PATH holding only recording stand-ins — so handlers that would change this
/// machine (shutdown, hwclock, chpasswd, sysfs writes) act on the fixture instead.
final class Harness {
    let root: URL
    let bin: URL
    let stateDirectory: URL
    let reactor = Reactor()
    let context: AgentContext
    let dispatcher: Dispatcher

    init(policy: CommandPolicy = CommandPolicy(), hook: String? = nil, prepare: (URL) throws -> Void = { _ in }) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-fixture-\(UUID().uuidString.prefix(8))")
        bin = root.appendingPathComponent("stand-ins")
        stateDirectory = root.appendingPathComponent("state")
        for dir in [bin, stateDirectory] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        try prepare(root)
        let state = try StateDirectory(directory: stateDirectory.path)
        let system = LinuxSystem(root: root.path, searchPath: [bin.path])
        context = AgentContext(system: system, state: state, log: AgentLog(), policy: policy, fsfreezeHook: hook, reactor: reactor)
        dispatcher = Dispatcher(registry: AgentCommands.registry(), context: context)
        context.agentInfo = { [unowned dispatcher] in dispatcher.agentInfo() }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Writes a fixture file under the root (directories created as needed).
    func write(_ path: String, _ contents: String) throws {
        let url = root.appendingPathComponent(String(path.dropFirst()))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: true, encoding: .utf8)
    }

    func read(_ path: String) -> String? {
        try? String(contentsOf: root.appendingPathComponent(String(path.dropFirst())), encoding: .utf8)
    }

    /// A stand-in program that appends its arguments (and stdin, when `readsInput`) to a log
    /// under the root, then exits with `status`.
    func standIn(_ name: String, status: Int32 = 0, readsInput: Bool = false) throws {
        let log = root.appendingPathComponent("\(name).calls").path
        let script = """
            #!/bin/sh
            echo "$*" >> '\(log)'
            \(readsInput ? "cat >> '\(log)'" : "")
            exit \(status)

            """
        let url = bin.appendingPathComponent(name)
        try script.write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    func calls(_ name: String) -> String? {
        try? String(contentsOfFile: root.appendingPathComponent("\(name).calls").path, encoding: .utf8)
    }

    /// Dispatches one request; nil when the agent sends no reply.
    func call(_ request: String) -> JSONValue? {
        var decoder = QGAStreamDecoder(role: .agent)
        var reply: [UInt8]?
        for event in decoder.feed(Array(request.utf8) + [0x20]) {
            reply = dispatcher.reply(to: event)
        }
        guard var bytes = reply else { return nil }
        if bytes.first == 0xFF { bytes.removeFirst() }
        var replyDecoder = QGAStreamDecoder(role: .host)
        guard case .message(let value)? = replyDecoder.feed(bytes).first else { return nil }
        return value
    }

    func result(_ request: String) -> JSONValue? { call(request)?["return"] }

    func errorDesc(_ request: String) -> String? { call(request)?["error"]?["desc"]?.stringValue }

    /// Runs the event loop until `done` holds or `timeout` passes.
    func spin(timeout: Double = 10, until done: () -> Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        while !done() && Date() < deadline {
            reactor.schedule(afterNanoseconds: 5_000_000) {}
            reactor.runOnce()
        }
    }
}
