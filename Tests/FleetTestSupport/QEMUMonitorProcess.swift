import Foundation

/// A real QEMU with no guest at all (`-machine none`) and two QMP monitors: one for the code
/// under test (`monitorPath`), one the test drives it through (`execute`): `stop`, `cont`,
/// `system_reset` change its run state as they would a VM's. Stopped by its PID.
public final class QEMUMonitorProcess {
    public static let qemuPath = "/usr/bin/qemu-system-x86_64"
    public static var installed: Bool { FileManager.default.isExecutableFile(atPath: qemuPath) }

    public let process = Process()
    public let monitorPath: String
    public let controlPath: String
    private var control: Int32 = -1
    private var pending: [UInt8] = []

    public init(monitorPath: String, controlPath: String) throws {
        self.monitorPath = monitorPath
        self.controlPath = controlPath
        process.executableURL = URL(fileURLWithPath: Self.qemuPath)
        process.arguments = [
            "-machine", "none", "-nodefaults", "-display", "none",
            "-qmp", "unix:\(monitorPath),server=on,wait=off", "-qmp", "unix:\(controlPath),server=on,wait=off",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while (try? UnixSocket.connect(to: controlPath)).map({ control = $0 }) == nil {
            guard process.isRunning, Date() < deadline else { throw TestFailure("QEMU made no QMP socket at \(controlPath)") }
            usleep(10_000)
        }
        _ = try line()  // the greeting
        _ = try execute("qmp_capabilities")
    }

    /// Runs a command on the test's monitor; returns its reply line (events before it skipped).
    @discardableResult
    public func execute(_ command: String) throws -> String {
        let request = Array("{\"execute\": \"\(command)\"}\n".utf8)
        guard write(control, request, request.count) == request.count else { throw TestFailure("QMP write failed") }
        while true {
            let reply = try line()
            if reply.contains("\"return\"") || reply.contains("\"error\"") { return reply }
        }
    }

    private func line() throws -> String {
        let deadline = Date().addingTimeInterval(10)
        while true {
            if let end = pending.firstIndex(of: 0x0A) {
                let text = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 1)
                return text
            }
            var poller = pollfd(fd: control, events: Int16(POLLIN), revents: 0)
            guard Date() < deadline, poll(&poller, 1, 100) >= 0 else { throw TestFailure("QMP: no reply from QEMU") }
            guard poller.revents != 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(control, &buffer, buffer.count)
            guard count > 0 else { throw TestFailure("QMP: QEMU closed the monitor") }
            pending += buffer[..<count]
        }
    }

    /// Ends QEMU as an operator's `quit` does: cleanly, its sockets removed. (A test process's
    /// children inherit SIGTERM blocked, so only a quit or SIGKILL ends them.)
    public func stop() {
        if control >= 0 {
            _ = try? execute("quit")
            close(control)
            control = -1
        }
        // Polled, not waitUntilExit: two tests waiting in it at once hung the test process.
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { usleep(10_000) }
        }
    }

    deinit { stop() }
}
