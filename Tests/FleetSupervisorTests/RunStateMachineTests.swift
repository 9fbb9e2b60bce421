import Testing
@testable import FleetSupervisor

/// What QMP or libvirt says about a VM's run state, as the session's state machine takes it.
@Suite("Run state in the session machine")
struct RunStateMachineTests {
    static func responsive(flapPolicy: FlapWindow.Policy = FlapWindow.Policy()) -> SessionMachine {
        var machine = SessionMachine(missThreshold: 2, flapPolicy: flapPolicy)
        for event in [SessionEvent.connectStarted, .connected, .synced] { _ = machine.apply(event) }
        return machine
    }

    @Test("a paused VM is paused: misses, answers and reconnects change nothing until it resumes, then it resyncs")
    func paused() {
        var machine = Self.responsive()
        #expect(machine.apply(.runState(.paused("paused by its operator")))
            == SessionTransition(from: .responsive, to: .paused, reason: "paused by its operator"))
        for event in [SessionEvent.heartbeatMissed("timeout"), .heartbeatMissed("timeout"), .heartbeatMissed("timeout"),
                      .disconnected("x"), .connectStarted, .connected, .synced, .heartbeatOK, .bootGraceEnded("x")] {
            #expect(machine.apply(event) == nil, "\(event)")
        }
        #expect(machine.state == .paused && machine.consecutiveMisses == 0)
        // A new reason for the same state is restated, not a change.
        #expect(machine.apply(.runState(.paused("suspended to RAM by its guest")))
            == SessionTransition(from: .paused, to: .paused, reason: "suspended to RAM by its guest"))
        // Frozen while paused (a backup froze it, then paused it): remembered for after.
        _ = machine.apply(.frozenDetected)
        #expect(machine.apply(.runState(.running)) == SessionTransition(from: .paused, to: .syncing, reason: "resumed; resyncing"))
        #expect(machine.apply(.synced) == SessionTransition(from: .syncing, to: .frozen, reason: "sync id matched"))
    }

    @Test("a stopped VM is stopped; losing sight of the run state puts the agent back in charge")
    func stoppedAndUnknown() {
        var machine = Self.responsive()
        #expect(machine.apply(.runState(.stopped("shut down (guest-shutdown)")))
            == SessionTransition(from: .responsive, to: .stopped, reason: "shut down (guest-shutdown)"))
        #expect(machine.apply(.heartbeatMissed("x")) == nil && machine.apply(.heartbeatMissed("x")) == nil)
        #expect(machine.apply(.runState(.unknown("QMP x: closed")))
            == SessionTransition(from: .stopped, to: .syncing, reason: "QMP x: closed; resyncing"))
        #expect(!machine.halted)
        // An unknown run state of a running VM changes nothing.
        var running = Self.responsive()
        #expect(running.apply(.runState(.unknown("x"))) == nil && running.apply(.runState(.running)) == nil)
        // A removed socket ends it all.
        var paused = Self.responsive()
        _ = paused.apply(.runState(.paused("x")))
        #expect(paused.apply(.socketRemoved)?.to == .gone && !paused.halted)
        #expect(paused.apply(.runState(.paused("x"))) == nil)
    }

    @Test("pausing and resuming (and the resync after) are no ups and downs for flapping")
    func pausesDoNotFlap() {
        var machine = Self.responsive(flapPolicy: FlapWindow.Policy(changes: 2, window: .seconds(60), stableFor: .seconds(30)))
        for _ in 0..<5 {
            _ = machine.apply(.runState(.paused("x")))
            _ = machine.apply(.runState(.running))
            _ = machine.apply(.synced)
        }
        #expect(!machine.flapping && machine.state == .responsive)
    }

    @Test("QMP statuses: running runs; the stops say why; shutdown is stopped")
    func qmpStatuses() {
        #expect(RunState.fromQMPStatus("running") == .running)
        #expect(RunState.fromQMPStatus("paused") == .paused("paused by its operator"))
        #expect(RunState.fromQMPStatus("inmigrate") == .paused("waiting for an incoming migration"))
        #expect(RunState.fromQMPStatus("io-error") == .paused("stopped on a disk I/O error"))
        #expect(RunState.fromQMPStatus("shutdown") == .stopped("shut down"))
        #expect(RunState.fromQMPStatus("something-new") == .paused("QEMU reports 'something-new'"))
        #expect(!RunState.paused("x").runs && RunState.unknown("x").runs)
    }
}
