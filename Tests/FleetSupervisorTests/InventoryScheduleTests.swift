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
        #expect(schedule.takeDue(at: Self.start + .seconds(80)) { _ in true } == [.network])
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
