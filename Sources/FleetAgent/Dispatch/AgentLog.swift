#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// qemu-ga's log lines: `SECONDS.MICROS: level: message`, to stderr or the log file. While
/// filesystems are frozen the log is silent: writing to a frozen filesystem would block the agent.
final class AgentLog {
    enum Level: String { case debug, info, warning, error, critical }

    var fd: Int32 = 2
    var verbose = false
    var suspended = false

    func debug(_ message: @autoclosure () -> String) { if verbose { write(.debug, message()) } }
    func info(_ message: String) { write(.info, message) }
    func warning(_ message: String) { write(.warning, message) }
    func error(_ message: String) { write(.error, message) }
    func critical(_ message: String) { write(.critical, message) }

    private func write(_ level: Level, _ message: String) {
        guard !suspended else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let micros = String(now.tv_nsec / 1000)
        let stamp = "\(now.tv_sec).\(String(repeating: "0", count: max(0, 6 - micros.count)))\(micros)"
        try? FileIO.writeAll(fd, Array("\(stamp): \(level.rawValue): \(message)\n".utf8))
    }
}
