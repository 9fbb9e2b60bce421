#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The agent's event loop: poll(2) over a handful of descriptors plus timers, on one thread.
/// qemu-ga runs on a GLib main loop the same way; the guest never needs more than a few
/// descriptors (the channel, exec pipes, a signalfd), so poll is the simplest correct tool.
final class Reactor {
    struct TimerID: Hashable { fileprivate let value: Int }

    private final class Watch {
        var events: Int16
        let callback: (Int16) -> Void
        init(events: Int16, callback: @escaping (Int16) -> Void) {
            self.events = events
            self.callback = callback
        }
    }

    private var watches: [Int32: Watch] = [:]
    private var timers: [Int: (deadline: UInt64, callback: () -> Void)] = [:]
    private var nextTimer = 0
    private(set) var stopped = false

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    func watch(_ fd: Int32, events: Int16, _ callback: @escaping (Int16) -> Void) {
        watches[fd] = Watch(events: events, callback: callback)
    }

    func update(_ fd: Int32, events: Int16) { watches[fd]?.events = events }

    func unwatch(_ fd: Int32) { watches[fd] = nil }

    @discardableResult
    func schedule(afterNanoseconds delay: UInt64, _ callback: @escaping () -> Void) -> TimerID {
        nextTimer += 1
        timers[nextTimer] = (Self.now() + delay, callback)
        return TimerID(value: nextTimer)
    }

    func cancel(_ id: TimerID) { timers[id.value] = nil }

    func stop() { stopped = true }

    func run() {
        while !stopped { runOnce() }
    }

    /// Waits for one round of events (or the next timer) and runs their callbacks.
    func runOnce() {
        var timeout: Int32 = -1
        if let next = timers.values.map(\.deadline).min() {
            let now = Self.now()
            timeout = next <= now ? 0 : Int32(min((next - now + 999_999) / 1_000_000, UInt64(Int32.max)))
        }
        var fds = watches.filter { $0.value.events != 0 }.map { pollfd(fd: $0.key, events: $0.value.events, revents: 0) }
        let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
        if ready > 0 {
            for entry in fds where entry.revents != 0 {
                // A callback may have removed or replaced this watch meanwhile.
                guard let watch = watches[entry.fd], watch.events != 0 else { continue }
                watch.callback(entry.revents)
                if stopped { return }
            }
        }
        fireTimers()
    }

    private func fireTimers() {
        let now = Self.now()
        let due = timers.filter { $0.value.deadline <= now }.sorted { $0.value.deadline < $1.value.deadline }
        for (id, timer) in due {
            guard timers.removeValue(forKey: id) != nil else { continue }
            timer.callback()
        }
    }
}
