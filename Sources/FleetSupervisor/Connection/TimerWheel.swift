import NIOConcurrencyHelpers
import NIOCore

/// Coarse timers for the many connections of one event loop: a single repeated tick walks a
/// ring of slots, so arming a timer is an append and a timer nobody needs any more simply finds
/// nothing to do when it fires. NIO's own scheduled tasks live in a heap — each one a promise,
/// each pop a sift, each cancel a linear search — and at 10,000 VMs (two timers per heartbeat)
/// that heap cost more CPU than the pings. Timers fire up to one `resolution` late.
final class TimerWheel {
    static let resolution = TimeAmount.milliseconds(50)
    private static let slotCount = 256

    private struct Entry {
        var deadline: NIODeadline
        var action: () -> Void
    }

    private var slots = [[Entry]](repeating: [], count: slotCount)
    /// The slot being fired, swapped out so its array (and its capacity) is reused: a slot
    /// holds ~100 entries at 10,000 VMs, and growing a fresh array for every tick cost malloc.
    private var firing: [Entry] = []
    /// The slot the next tick empties, and the time from which it is due.
    private var cursor = 0
    private var cursorTime: NIODeadline
    /// The loop whose clock it keeps (virtual on a test loop).
    let eventLoop: any EventLoop

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        cursorTime = eventLoop.now + Self.resolution
    }

    /// Runs `action` on the event loop at (or up to one resolution after) `deadline`.
    func schedule(at deadline: NIODeadline, _ action: @escaping () -> Void) {
        let ahead = deadline > cursorTime
            ? Int(((deadline - cursorTime).nanoseconds + Self.resolution.nanoseconds - 1) / Self.resolution.nanoseconds) : 0
        // Beyond the ring's horizon an entry waits in the last slot and is placed again from there.
        slots[(cursor + min(ahead, Self.slotCount - 1)) % Self.slotCount].append(Entry(deadline: deadline, action: action))
    }

    func schedule(in delay: TimeAmount, _ action: @escaping () -> Void) {
        schedule(at: eventLoop.now + delay, action)
    }

    private func tick(now: NIODeadline) {
        // A late tick catches up on every slot that has come due.
        while cursorTime <= now {
            swap(&firing, &slots[cursor])
            cursor = (cursor + 1) % Self.slotCount
            cursorTime = cursorTime + Self.resolution
            // An action may arm new timers: they land in `slots`, never in `firing`.
            for entry in firing {
                if entry.deadline <= now { entry.action() } else { schedule(at: entry.deadline, entry.action) }
            }
            firing.removeAll(keepingCapacity: firing.capacity <= 4096)
        }
    }

    // MARK: One wheel per event loop

    /// Held for as long as the process runs, as fleetd's event loops are: the loop stays alive
    /// with its wheel, so an identifier is never reused for another loop.
    private static let registry = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<TimerWheel>]>([:])

    /// The wheel of the event loop this is called on, started on first use.
    static func current(on eventLoop: any EventLoop) -> TimerWheel {
        eventLoop.preconditionInEventLoop()
        return registry.withLockedValue { registry in
            let key = ObjectIdentifier(eventLoop)
            if let found = registry[key] { return found.value }
            let wheel = started(on: eventLoop)
            registry[key] = NIOLoopBound(wheel, eventLoop: eventLoop)
            return wheel
        }
    }

    /// A wheel of its own, not shared through the registry: for a test's short-lived loop,
    /// whose identifier a later loop may reuse.
    static func started(on eventLoop: any EventLoop) -> TimerWheel {
        let wheel = TimerWheel(eventLoop: eventLoop)
        let bound = NIOLoopBound(wheel, eventLoop: eventLoop)
        eventLoop.scheduleRepeatedTask(initialDelay: resolution, delay: resolution) { _ in
            bound.value.tick(now: eventLoop.now)
        }
        return wheel
    }
}
