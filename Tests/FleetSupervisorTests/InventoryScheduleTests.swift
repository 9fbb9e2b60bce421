import NIOConcurrencyHelpers
import Testing
@testable import FleetSupervisor

/// The inventory schedule without a clock or an agent: what is due when.
@Suite("Inventory schedule")
struct InventoryScheduleTests {
    static let start = ContinuousClock.now
    static let intervals: [InventoryItem: Duration] = Dictionary(
        uniqueKeysWithValues: InventoryItem.allCases.map { ($0, $0.defaultInterval) })

    static func schedule(jitter: Double = 1) -> InventorySchedule {
        InventorySchedule(intervals: intervals, jitter: { jitter })
    }

    @Test("everything is due at once after a sync, then each item one interval later")
    func dueOnceThenPerInterval() {
        var schedule = Self.schedule()
        #expect(schedule.takeDue(at: Self.start) { _ in true } == InventoryItem.allCases)
        #expect(schedule.takeDue(at: Self.start + .seconds(1)) { _ in true }.isEmpty)
        // network and clock every 60 s; host name, users, filesystems every 120 s.
        #expect(schedule.takeDue(at: Self.start + .seconds(60)) { _ in true } == [.network, .clock])
        #expect(schedule.takeDue(at: Self.start + .seconds(120)) { _ in true } == [.hostName, .network, .filesystems, .users, .clock])
        schedule.restart()
        #expect(schedule.takeDue(at: Self.start + .seconds(121)) { _ in true } == InventoryItem.allCases)
    }

    @Test("an item the agent cannot serve stays due and is not rescheduled")
    func unservable() {
        var schedule = Self.schedule()
        #expect(schedule.takeDue(at: Self.start) { $0 != .users } == InventoryItem.allCases.filter { $0 != .users })
        #expect(schedule.nextDue[.users] == nil)
        #expect(schedule.takeDue(at: Self.start + .seconds(5)) { _ in true } == [.users])
    }

    @Test("jitter stretches or shrinks each interval; a refresh out of turn starts the interval over")
    func jitterAndOutOfTurn() {
        var schedule = Self.schedule(jitter: 1.25)
        _ = schedule.takeDue(at: Self.start) { _ in true }
        #expect(schedule.nextDue[.network] == Self.start + .seconds(75))
        schedule.markRefreshed(.clock, at: Self.start + .seconds(10))
        #expect(schedule.nextDue[.clock] == Self.start + .seconds(85))
        // network is due; the clock, due within a quarter of its interval, comes along.
        #expect(schedule.takeDue(at: Self.start + .seconds(80)) { _ in true } == [.network, .clock])
    }

    @Test("a round takes the items due soon, nothing is taken early while none is due, and the round stays together")
    func rounds() {
        var schedule = Self.schedule()
        _ = schedule.takeDue(at: Self.start) { _ in true }
        schedule.markRefreshed(.clock, at: Self.start + .seconds(10))  // clock now due at 70 s
        #expect(schedule.takeDue(at: Self.start + .seconds(50)) { _ in true }.isEmpty)
        #expect(schedule.nextWake(after: Self.start + .seconds(50), idle: .seconds(5)) == Self.start + .seconds(60))
        // At 60 s network is due and the clock (10 s away, within 15 s) joins it; host name, users
        // and filesystems (60 s away, beyond a quarter of 120 s) do not.
        #expect(schedule.takeDue(at: Self.start + .seconds(60)) { _ in true } == [.network, .clock])
        #expect(schedule.nextDue[.network] == schedule.nextDue[.clock])
        // One wake for the next round, which then holds every item due at 120 s.
        #expect(schedule.nextWake(after: Self.start + .seconds(60), idle: .seconds(5)) == Self.start + .seconds(120))
        #expect(schedule.takeDue(at: Self.start + .seconds(120)) { _ in true } == [.hostName, .network, .filesystems, .users, .clock])
    }

    @Test("one jitter factor per round: items of one interval stay in step")
    func sharedJitter() {
        let factors = NIOLockedValueBox([1.0, 1.2, 0.8])
        var schedule = InventorySchedule(intervals: Self.intervals, jitter: { factors.withLockedValue { $0.removeFirst() } })
        _ = schedule.takeDue(at: Self.start) { _ in true }
        #expect(schedule.takeDue(at: Self.start + .seconds(60)) { _ in true } == [.network, .clock])
        #expect(schedule.nextDue[.network] == Self.start + .seconds(60 + 72))
        #expect(schedule.nextDue[.clock] == Self.start + .seconds(60 + 72))
    }

    @Test("the loop wakes for the soonest item, after the idle time when none is ahead, never within 100 ms")
    func nextWake() {
        var schedule = Self.schedule()
        #expect(schedule.nextWake(after: Self.start, idle: .seconds(5)) == Self.start + .seconds(5))
        _ = schedule.takeDue(at: Self.start) { _ in true }
        #expect(schedule.nextWake(after: Self.start, idle: .seconds(5)) == Self.start + .seconds(60))
        #expect(schedule.nextWake(after: Self.start + .milliseconds(59_990), idle: .seconds(5)) == Self.start + .milliseconds(60_090))
    }
}
