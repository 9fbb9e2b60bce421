import Testing
@testable import FleetSupervisor

@Suite("Freeze watch")
struct FreezeWatchTests {
    @Test("a freeze is flagged once past the limit; fleetd's own is due for a thaw at its deadline; a thaw starts over")
    func watch() {
        let start = ContinuousClock.now
        var watch = FreezeWatch(maxFrozen: .seconds(600))
        #expect(watch.nextCheck == nil && watch.due(at: start) == .nothing)
        watch.frozen(at: start)
        watch.frozen(at: start + .seconds(30))  // seen frozen again: still since the start
        #expect(watch.nextCheck == start + .seconds(600))
        #expect(watch.due(at: start + .seconds(599)) == .nothing)
        #expect(watch.due(at: start + .seconds(600)) == .flag(frozenFor: .seconds(600)))
        #expect(watch.due(at: start + .seconds(700)) == .nothing, "flagged once per freeze")
        #expect(watch.nextCheck == nil)

        var own = FreezeWatch(maxFrozen: .seconds(600))
        own.frozen(at: start)
        own.setDeadline(start + .seconds(300))
        #expect(own.nextCheck == start + .seconds(300))
        own.setDeadline(start + .seconds(900))  // extended: flagged first, thawed later
        #expect(own.due(at: start + .seconds(600)) == .flag(frozenFor: .seconds(600)))
        #expect(own.due(at: start + .seconds(899)) == .nothing)
        #expect(own.due(at: start + .seconds(900)) == .thaw(frozenFor: .seconds(900)))
        own.thawed()
        #expect(own.nextCheck == nil && own.deadline == nil && !own.flagged && own.due(at: start + .seconds(1000)) == .nothing)
    }
}
