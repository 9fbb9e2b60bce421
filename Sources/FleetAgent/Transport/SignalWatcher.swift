#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxSupport

/// Signals as events in the reactor (signalfd): SIGCHLD reaps guest-exec children, SIGTERM,
/// SIGINT and SIGHUP stop the agent. (SIGPIPE is ignored by AgentContext: a host or child that
/// goes away mid-write is an ordinary event, not a reason to die.)
final class SignalWatcher {
    private let fd: Int32
    var onChild: () -> Void = {}
    var onTerminate: (Int32) -> Void = { _ in }

    init?(reactor: Reactor) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for number in [SIGCHLD, SIGTERM, SIGINT, SIGHUP] { sigaddset(&mask, number) }
        guard pthread_sigmask(SIG_BLOCK, &mask, nil) == 0 else { return nil }
        fd = fleet_signalfd(&mask)
        guard fd >= 0 else { return nil }
        reactor.watch(fd, events: Int16(POLLIN)) { [unowned self] _ in self.drain() }
    }

    private func drain() {
        let size = Int(fleet_signalfd_record_size())
        var record = [UInt8](repeating: 0, count: size)
        var sawChild = false
        while true {
            let n = record.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress, size) }
            guard n == size else { break }
            // ssi_signo is the first field (uint32).
            let number = Int32(record[0]) | Int32(record[1]) << 8 | Int32(record[2]) << 16 | Int32(record[3]) << 24
            if number == SIGCHLD { sawChild = true } else { onTerminate(number) }
        }
        if sawChild { onChild() }
    }
}
