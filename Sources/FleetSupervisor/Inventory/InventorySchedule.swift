/// When each inventory item is next due, without I/O or a clock of its own: the session feeds
/// it the time and what the agent can serve, and runs what it hands back. Items are refreshed in
/// rounds: when one is due, those due within a quarter of their own interval come along, and the
/// round's items are rescheduled one interval ahead with one jitter factor between them — so a
/// VM wakes about once a minute for all its items rather than once per item (at 10,000 VMs each
/// wake costs more than the command it sends), and a fleet started together still does not poll
/// in lockstep.
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

    /// How early an item may join a round that is due anyway: a quarter of its interval, the
    /// same spread the jitter gives it.
    static let earlyFraction = 0.25

    /// The items of the round due at `now` that the agent can serve, in a fixed order, each
    /// rescheduled one (jittered) interval ahead; empty while none is due yet. Items it cannot
    /// serve stay due, for when it can.
    mutating func takeDue(at now: Instant, servable: (InventoryItem) -> Bool) -> [InventoryItem] {
        let candidates = InventoryItem.allCases.filter(servable)
        guard candidates.contains(where: { (nextDue[$0] ?? now) <= now }) else { return [] }
        let round = candidates.filter { item in
            (nextDue[item] ?? now) <= now + interval(of: item) * Self.earlyFraction
        }
        let factor = jitter()
        for item in round { nextDue[item] = now + interval(of: item) * factor }
        return round
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
