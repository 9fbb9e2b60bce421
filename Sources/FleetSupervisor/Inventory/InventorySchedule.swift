/// When each inventory item is next due, without I/O or a clock of its own: the session feeds
/// it the time and what the agent can serve, and runs what it hands back. Each refresh is
/// rescheduled one interval ahead with jitter, so a fleet started together does not poll in
/// lockstep.
struct InventorySchedule: Sendable {
    typealias Instant = ContinuousClock.Instant

    let intervals: [InventoryItem: Duration]
    /// A factor for each interval (0.75–1.25 in service; 1 in tests).
    let jitter: @Sendable () -> Double
    private(set) var nextDue: [InventoryItem: Instant] = [:]

    init(intervals: [InventoryItem: Duration], jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.75...1.25) }) {
        self.intervals = intervals
        self.jitter = jitter
    }

    func interval(of item: InventoryItem) -> Duration {
        intervals[item] ?? item.defaultInterval
    }

    /// After a (re)sync everything is due at once.
    mutating func restart() {
        nextDue = [:]
    }

    /// The items due at `now` that the agent can serve, in a fixed order, each rescheduled one
    /// (jittered) interval ahead. Items it cannot serve stay due, for when it can.
    mutating func takeDue(at now: Instant, servable: (InventoryItem) -> Bool) -> [InventoryItem] {
        var due: [InventoryItem] = []
        for item in InventoryItem.allCases where (nextDue[item] ?? now) <= now && servable(item) {
            markRefreshed(item, at: now)
            due.append(item)
        }
        return due
    }

    /// An item refreshed out of turn (the clock after a VM comes back) starts its interval over.
    mutating func markRefreshed(_ item: InventoryItem, at now: Instant) {
        nextDue[item] = now + interval(of: item) * jitter()
    }

    /// When to look again: the soonest item still ahead, else after `idle`; never sooner than
    /// 100 ms from now, so an item the agent cannot serve does not spin the loop.
    func nextWake(after now: Instant, idle: Duration) -> Instant {
        let next = nextDue.values.filter { $0 > now }.min() ?? now + idle
        return max(next, now + .milliseconds(100))
    }
}
