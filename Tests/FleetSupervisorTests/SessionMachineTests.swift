import Testing
@testable import FleetSupervisor

@Suite("Session state machine")
struct SessionMachineTests {
    static func run(_ events: [SessionEvent], threshold: Int = 2) -> (SessionMachine, [SessionTransition]) {
        var machine = SessionMachine(missThreshold: threshold)
        let transitions = events.compactMap { machine.apply($0) }
        return (machine, transitions)
    }

    @Test("connect, sync, steady state")
    func happyPath() {
        let (machine, transitions) = Self.run([.connectStarted, .connected, .synced, .heartbeatOK, .heartbeatOK])
        #expect(machine.state == .responsive)
        #expect(transitions.map(\.to) == [.connecting, .syncing, .responsive])
        #expect(transitions.map(\.reason) == ["connecting", "connected", "sync id matched"])
    }

    @Test("one miss does not flip the state; two in a row do; the first answered heartbeat restores it")
    func misses() {
        var machine = SessionMachine(missThreshold: 2)
        for event in [SessionEvent.connectStarted, .connected, .synced] { _ = machine.apply(event) }
        #expect(machine.apply(.heartbeatMissed("timeout")) == nil)
        #expect(machine.apply(.heartbeatOK) == nil)
        #expect(machine.apply(.heartbeatMissed("timeout")) == nil)
        let down = machine.apply(.heartbeatMissed("timeout"))
        #expect(down == SessionTransition(from: .responsive, to: .unresponsive, reason: "2 heartbeats missed (timeout)"))
        #expect(machine.apply(.heartbeatMissed("timeout")) == nil)
        // A resync alone is not a heartbeat: the VM stays unresponsive until a ping is answered.
        #expect(machine.apply(.synced) == nil)
        #expect(machine.apply(.heartbeatOK)?.to == .responsive)
        #expect(machine.consecutiveMisses == 0)
    }

    @Test("a guest that answers every sync but garbles every ping still becomes unresponsive")
    func syncsButNeverPings() {
        var machine = SessionMachine(missThreshold: 2)
        for event in [SessionEvent.connectStarted, .connected, .synced] { _ = machine.apply(event) }
        #expect(machine.apply(.heartbeatMissed("not QGA")) == nil)
        #expect(machine.apply(.synced) == nil)
        #expect(machine.apply(.heartbeatMissed("not QGA"))?.to == .unresponsive)
        #expect(machine.apply(.synced) == nil)
        #expect(machine.state == .unresponsive)
    }

    @Test("frozen guests are 'frozen' until thawed, and come back frozen after a resync")
    func frozen() {
        var machine = SessionMachine()
        for event in [SessionEvent.connectStarted, .connected, .synced] { _ = machine.apply(event) }
        #expect(machine.apply(.frozenDetected)?.to == .frozen)
        #expect(machine.apply(.disconnected("closed"))?.to == .disconnected)
        _ = machine.apply(.connectStarted)
        _ = machine.apply(.connected)
        #expect(machine.apply(.synced)?.to == .frozen)
        #expect(machine.apply(.thawDetected)?.to == .responsive)
    }

    @Test("a removed socket makes the VM gone from any state; a reappearing one starts over")
    func gone() {
        var machine = SessionMachine()
        for event in [SessionEvent.connectStarted, .connected, .synced] { _ = machine.apply(event) }
        #expect(machine.apply(.socketRemoved) == SessionTransition(from: .responsive, to: .gone, reason: "socket removed"))
        #expect(machine.apply(.disconnected("closed")) == nil)
        #expect(machine.apply(.connectFailed("ENOENT")) == nil)
        #expect(machine.apply(.socketAppeared)?.to == .disconnected)
        #expect(machine.apply(.connectFailed("ECONNREFUSED")) == nil)
        #expect(machine.apply(.connectStarted)?.to == .connecting)
        #expect(machine.apply(.connectFailed("ECONNREFUSED"))?.reason == "connect failed: ECONNREFUSED")
    }

    @Test("no event sequence leaves the machine in a state that breaks its invariants")
    func randomSequences() {
        let events: [SessionEvent] = [
            .socketAppeared, .socketRemoved, .connectStarted, .connectFailed("x"), .connected, .synced,
            .desynchronized("x"), .heartbeatOK, .heartbeatMissed("x"), .frozenDetected, .thawDetected, .disconnected("x"),
            .bootStarted, .bootGraceEnded("x"), .stabilityCheck,
            .runState(.paused("x")), .runState(.stopped("x")), .runState(.running), .runState(.unknown("x")),
            .frozenTooLong("x"), .thawedAtDeadline("x"),
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var machine = SessionMachine(
                missThreshold: Int.random(in: 1...3, using: &generator),
                flapPolicy: FlapWindow.Policy(changes: Int.random(in: 0...4, using: &generator), window: .seconds(60), stableFor: .seconds(10)))
            var now = ContinuousClock.now
            for _ in 0..<40 {
                now += .seconds(Int.random(in: 0...4, using: &generator))
                let before = machine.shownState
                if let transition = machine.apply(events.randomElement(using: &generator)!, at: now) {
                    // A change of state, or (while flapping) a new reason for the same one.
                    #expect(transition.from == before && !transition.reason.isEmpty)
                    #expect(transition.to == machine.shownState)
                    #expect(transition.changesState || machine.flapping || machine.halted || machine.state == .frozen)
                }
                #expect(machine.halted == [.paused, .stopped].contains(machine.state))
                #expect(machine.state != .frozen || machine.frozen)
                #expect(machine.shownState != .flapping || machine.flapping)
            }
        }
    }

    @Test("a VM that has just started is booting, not unresponsive, until its agent answers or the grace ends")
    func booting() {
        var machine = SessionMachine(missThreshold: 2)
        #expect(machine.apply(.bootStarted) == nil, "booting is what missed heartbeats become, not a state of its own yet")
        for event in [SessionEvent.connectStarted, .connected] { _ = machine.apply(event) }
        #expect(machine.apply(.heartbeatMissed("sync: timed out")) == nil)
        let booting = machine.apply(.heartbeatMissed("sync: timed out"))
        #expect(booting?.to == .booting && booting?.reason.hasPrefix("the VM has just started") == true, "\(String(describing: booting))")
        #expect(machine.apply(.heartbeatMissed("sync: timed out")) == nil)
        // The agent comes up: the sync alone does not make the VM responsive (misses stand), the
        // first answered heartbeat does, and later misses count as for any VM.
        #expect(machine.apply(.synced) == nil)
        #expect(machine.apply(.heartbeatOK) == SessionTransition(from: .booting, to: .responsive, reason: "heartbeat answered"))
        _ = machine.apply(.heartbeatMissed("timeout"))
        #expect(machine.apply(.heartbeatMissed("timeout"))?.to == .unresponsive)
        #expect(machine.apply(.bootGraceEnded("120 s")) == nil, "an agent that has answered is past booting")

        // An agent that never answers: unresponsive when the grace ends, and from then on.
        var silent = SessionMachine(missThreshold: 2)
        for event in [SessionEvent.bootStarted, .connectStarted, .connected, .heartbeatMissed("x"), .heartbeatMissed("x")] { _ = silent.apply(event) }
        #expect(silent.state == .booting)
        #expect(silent.apply(.bootGraceEnded("120 s")) == SessionTransition(
            from: .booting, to: .unresponsive, reason: "the agent has not answered within the boot grace (120 s)"))
        #expect(!silent.booting)

        // Without a boot, the same misses are unresponsive at once.
        var old = SessionMachine(missThreshold: 2)
        for event in [SessionEvent.connectStarted, .connected, .heartbeatMissed("x")] { _ = old.apply(event) }
        #expect(old.apply(.heartbeatMissed("x"))?.to == .unresponsive)
    }

    @Test("a VM that keeps reconnecting is flapping, its ups and downs only restate the reason, until it is stable")
    func flapping() {
        let policy = FlapWindow.Policy(changes: 4, window: .seconds(60), stableFor: .seconds(30))
        var machine = SessionMachine(missThreshold: 2, flapPolicy: policy)
        var now = ContinuousClock.now
        var recorded: [SessionTransition] = []
        func cycle() {
            for event in [SessionEvent.disconnected("reply cut off"), .connectStarted, .connected, .synced] {
                now += .seconds(1)
                if let transition = machine.apply(event, at: now) { recorded.append(transition) }
            }
        }
        for event in [SessionEvent.connectStarted, .connected, .synced] { _ = machine.apply(event, at: now) }
        // Crossings: the first up (1), a reconnect (down 2, up 3): not yet; the next down (4) is.
        cycle()
        #expect(machine.shownState == .responsive && !machine.flapping)
        recorded = []
        cycle()
        #expect(machine.flapping && machine.shownState == .flapping, "\(recorded)")
        #expect(recorded.first == SessionTransition(
            from: .responsive, to: .flapping, reason: "flapping: 4 changes between responsive and not within 1 min (now disconnected: reply cut off)"))
        // Further ups and downs: one state, new reasons, no change of state recorded.
        recorded = []
        cycle()
        #expect(recorded.allSatisfy { !$0.changesState && $0.to == .flapping }, "\(recorded)")
        #expect(recorded.last?.reason == "flapping; now responsive: sync id matched")
        // Stable: nothing crosses for 30 s, and the next look shows responsive again.
        #expect(machine.apply(.stabilityCheck, at: now + .seconds(29)) == nil)
        let settled = machine.apply(.stabilityCheck, at: now + .seconds(30))
        #expect(settled == SessionTransition(from: .flapping, to: .responsive, reason: "flapping ended: no change for 30 s"))
        #expect(!machine.flapping)
        // Crossings spread wider than the window never add up; a policy of 0 turns it off.
        var slow = SessionMachine(missThreshold: 2, flapPolicy: policy)
        var later = ContinuousClock.now
        for event in [SessionEvent.connectStarted, .connected, .synced] { _ = slow.apply(event, at: later) }
        for _ in 0..<6 {
            later += .seconds(61)
            _ = slow.apply(.disconnected("x"), at: later)
            for event in [SessionEvent.connectStarted, .connected, .synced] { _ = slow.apply(event, at: later + .seconds(1)) }
        }
        #expect(!slow.flapping && slow.shownState == .responsive)
        // Freezes and thaws (a backup's) are no ups and downs.
        var backedUp = SessionMachine(missThreshold: 2, flapPolicy: policy)
        for event in [SessionEvent.connectStarted, .connected, .synced] { _ = backedUp.apply(event) }
        for _ in 0..<5 {
            _ = backedUp.apply(.frozenDetected)
            _ = backedUp.apply(.thawDetected)
        }
        #expect(!backedUp.flapping && backedUp.shownState == .responsive)
        var off = SessionMachine(missThreshold: 2, flapPolicy: FlapWindow.Policy(changes: 0))
        for _ in 0..<10 {
            for event in [SessionEvent.connectStarted, .connected, .synced, .disconnected("x")] { _ = off.apply(event) }
        }
        #expect(!off.flapping)
    }

    @Test("a busy agent keeps the state and says why, once per spell, counting no miss; the next answer ends the spell")
    func busy() {
        var machine = SessionMachine(missThreshold: 1)
        for event in [SessionEvent.connectStarted, .connected, .synced] { _ = machine.apply(event) }
        let busy = machine.apply(.agentBusy)
        #expect(busy == SessionTransition(from: .responsive, to: .responsive, reason: SessionMachine.busyReason))
        #expect(busy?.changesState == false)
        #expect(machine.apply(.agentBusy) == nil, "one reason per spell, not one per heartbeat")
        #expect(machine.consecutiveMisses == 0 && machine.state == .responsive)
        #expect(machine.apply(.heartbeatOK) == SessionTransition(from: .responsive, to: .responsive, reason: "heartbeat answered"))
        #expect(machine.apply(.heartbeatOK) == nil)
        // Busy while syncing: the first sync that comes back ends the spell with the state change.
        _ = machine.apply(.disconnected("gone"))
        for event in [SessionEvent.connectStarted, .connected] { _ = machine.apply(event) }
        #expect(machine.apply(.agentBusy)?.to == .syncing)
        #expect(machine.apply(.synced) == SessionTransition(from: .syncing, to: .responsive, reason: "sync id matched"))
        #expect(!machine.busy)
        // A disconnected VM is not busy: nothing holds what is not there.
        _ = machine.apply(.disconnected("gone"))
        #expect(machine.apply(.agentBusy) == nil)
    }
}
