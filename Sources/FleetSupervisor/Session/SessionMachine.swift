import FleetStore

/// A VM session's state is the store's `VMState`: one set of names for the machine, the
/// database and the CLI.
public typealias SessionState = VMState

/// Something that happened to a VM's session.
public enum SessionEvent: Sendable, Equatable {
    case socketAppeared
    case socketRemoved
    case connectStarted
    case connectFailed(String)
    case connected
    case synced
    /// The stream position is unknown (timeout, cap, garbage): a resync is under way.
    case desynchronized(String)
    case heartbeatOK
    case heartbeatMissed(String)
    /// The VM has just started (its socket was created within the boot grace): until its agent
    /// first answers, or `bootGraceEnded`, missed heartbeats make it `booting`, not unresponsive.
    case bootStarted
    case bootGraceEnded(String)
    /// Time passed: a flapping VM that has been stable long enough shows its own state again.
    case stabilityCheck
    /// guest-fsfreeze-status said "frozen", or a command failed with the frozen-state error.
    case frozenDetected
    case thawDetected
    /// Frozen longer than `freeze.maxSeconds`: the reason says so (`FreezeWatch`).
    case frozenTooLong(String)
    /// fleetd thawed a freeze of its own when its deadline passed.
    case thawedAtDeadline(String)
    /// Another client holds a shared agent socket: nothing was asked, so nothing was missed.
    case agentBusy
    case disconnected(String)
    /// QMP or libvirt said whether the VM runs. While it does not, the agent is not judged.
    case runState(RunState)
}

/// A change of state with the reason to record; `from == to` when only the reason changed
/// (a busy agent, and the answer that ends the spell).
public struct SessionTransition: Sendable, Equatable {
    public var from: SessionState
    public var to: SessionState
    public var reason: String

    public var changesState: Bool { from != to }
}

/// The per-VM state machine, without I/O: feed it events, record the transitions it returns.
/// A single missed heartbeat does not flip the state; `missThreshold` consecutive ones make the
/// VM unresponsive — or `booting`, while a VM that has just started waits out its boot grace —
/// and only an answered heartbeat (not a resync) makes it responsive again. A VM that does not
/// run (paused, stopped: `halted`) is shown so, and nothing its agent does or does not do counts.
public struct SessionMachine: Sendable, Equatable {
    public private(set) var state: SessionState
    public private(set) var consecutiveMisses = 0
    public private(set) var frozen = false
    /// The last exchange found another client holding the agent (shared sockets only).
    public private(set) var busy = false
    /// The VM started within the boot grace and its agent has not answered since.
    public private(set) var booting = false
    /// It went between responsive and not too often (`FlapWindow`): shown `flapping` until stable.
    public private(set) var flapping = false
    public private(set) var flaps: FlapWindow
    /// The VM does not run (QMP or libvirt says it is paused or stopped).
    public private(set) var halted = false
    /// Whether the agent answered when last judged (`judgement`): flaps are counted between
    /// judgements only, so a pause and the resync after it are no ups and downs.
    private var judgedUp = false
    public let missThreshold: Int

    public static let busyReason = "agent busy with another client"

    public init(state: SessionState = .disconnected, missThreshold: Int = 2, flapPolicy: FlapWindow.Policy = FlapWindow.Policy()) {
        self.state = state
        self.missThreshold = max(1, missThreshold)
        self.flaps = FlapWindow(policy: flapPolicy)
    }

    /// What the store and the operator see: while flapping, the ups and downs between responsive
    /// and not are all `flapping` (a frozen, booting or gone VM still says so).
    public var shownState: SessionState {
        flapping && Self.flappable.contains(state) ? .flapping : state
    }

    static let flappable: Set<SessionState> = [.responsive, .unresponsive, .disconnected, .connecting, .syncing]

    /// Whether a state says the agent answers (a freeze and its thaw, a backup's, are not ups
    /// and downs), does not, or neither (on the way, or the VM does not run).
    static func judgement(_ state: SessionState) -> Bool? {
        switch state {
        case .responsive, .frozen: true
        case .unresponsive, .disconnected: false
        default: nil
        }
    }

    /// Applies an event at `now`; returns the transition to record, if any — between shown
    /// states, so that a flapping VM's ups and downs only restate its reason.
    public mutating func apply(_ event: SessionEvent, at now: ContinuousClock.Instant = .now) -> SessionTransition? {
        let shownBefore = shownState
        let underlying = halted ? applyWhileHalted(event) : applyToState(event)
        var crossed = false
        if let up = Self.judgement(state), up != judgedUp {
            judgedUp = up
            crossed = true
        }
        if crossed, flaps.cross(at: now), !flapping, Self.flappable.contains(state) {
            flapping = true
            busy = false
            return SessionTransition(from: shownBefore, to: .flapping, reason: "flapping: \(flaps.summary) (now \(state.rawValue): \(underlying?.reason ?? ""))")
        }
        guard flapping else { return underlying }
        if flaps.isStable(at: now) || !Self.flappable.contains(state) {
            flapping = false
            flaps.reset()
            let reason = Self.flappable.contains(state)
                ? "flapping ended: no change for \(ReasonDuration.text(flaps.policy.stableFor))" : underlying?.reason ?? state.rawValue
            return shownBefore == state ? underlying : SessionTransition(from: shownBefore, to: state, reason: reason)
        }
        // Still flapping: what changed underneath only restates the reason.
        guard let underlying, underlying.changesState else { return nil }
        return SessionTransition(from: shownBefore, to: shownState, reason: "flapping; now \(underlying.to.rawValue): \(underlying.reason)")
    }

    private mutating func applyToState(_ event: SessionEvent) -> SessionTransition? {
        switch event {
        case .socketAppeared:
            return state == .gone ? move(to: .disconnected, "socket reappeared") : nil
        case .socketRemoved:
            return move(to: .gone, "socket removed")
        case .connectStarted:
            guard state == .disconnected else { return nil }
            return move(to: .connecting, "connecting")
        case .connectFailed(let reason):
            guard state != .gone else { return nil }
            return move(to: .disconnected, "connect failed: \(reason)")
        case .connected:
            guard state == .connecting || state == .disconnected else { return nil }
            return move(to: .syncing, "connected")
        case .synced:
            guard state != .gone else { return nil }
            // A sync is not a heartbeat: a guest that answers the sync and then garbles every
            // ping must still reach the miss threshold. Misses are reset by a good heartbeat.
            booting = false
            guard consecutiveMisses < missThreshold else { return nil }
            return move(to: frozen ? .frozen : .responsive, "sync id matched") ?? endBusySpell("sync id matched")
        case .desynchronized(let reason):
            // Only an unreachable guest leaves responsive through here; a lone lost reply is a
            // miss, counted by the heartbeat, not a state change.
            guard state == .connecting else { return nil }
            return move(to: .syncing, reason)
        case .heartbeatOK:
            consecutiveMisses = 0
            booting = false
            guard state == .unresponsive || state == .syncing || state == .booting else { return endBusySpell("heartbeat answered") }
            return move(to: frozen ? .frozen : .responsive, "heartbeat answered")
        case .heartbeatMissed(let reason):
            consecutiveMisses += 1
            guard consecutiveMisses >= missThreshold, [.responsive, .frozen, .syncing, .booting].contains(state) else {
                return nil
            }
            if booting {
                return move(to: .booting, "the VM has just started; its agent has not answered yet (\(consecutiveMisses) heartbeats missed: \(reason))")
            }
            return move(to: .unresponsive, "\(consecutiveMisses) heartbeats missed (\(reason))")
        case .bootStarted:
            booting = true
            return nil
        case .stabilityCheck:
            return nil
        case .bootGraceEnded(let grace):
            guard booting else { return nil }
            booting = false
            guard state == .booting else { return nil }
            return move(to: .unresponsive, "the agent has not answered within the boot grace (\(grace))")
        case .frozenDetected:
            frozen = true
            guard state == .responsive else { return nil }
            return move(to: .frozen, "filesystems frozen")
        case .thawDetected:
            frozen = false
            guard state == .frozen else { return nil }
            return move(to: .responsive, "filesystems thawed")
        case .frozenTooLong(let reason):
            guard frozen, state == .frozen else { return nil }
            return SessionTransition(from: state, to: state, reason: reason)
        case .thawedAtDeadline(let reason):
            frozen = false
            guard state == .frozen else { return nil }
            return move(to: .responsive, reason)
        case .agentBusy:
            // Once per spell: an hour-long backup must not write a row every heartbeat.
            guard !busy, state != .gone, state != .disconnected else { return nil }
            busy = true
            return SessionTransition(from: state, to: state, reason: Self.busyReason)
        case .disconnected(let reason):
            guard state != .gone, state != .disconnected else { return nil }
            consecutiveMisses = 0
            return move(to: .disconnected, reason)
        case .runState(let run):
            guard state != .gone else { return nil }
            switch run {
            case .running, .unknown: return nil
            case .paused(let why): return halt(.paused, why)
            case .stopped(let why): return halt(.stopped, why)
            }
        }
    }

    /// While the VM does not run only its run state, its socket and what is remembered for
    /// later (frozen, just booted) count; no miss, answer or reconnect changes anything.
    private mutating func applyWhileHalted(_ event: SessionEvent) -> SessionTransition? {
        switch event {
        case .runState(.paused(let why)): return halt(.paused, why)
        case .runState(.stopped(let why)): return halt(.stopped, why)
        case .runState(let run):
            halted = false
            let why = if case .unknown(let reason) = run { reason } else { state == .paused ? "resumed" : "started" }
            return move(to: .syncing, "\(why); resyncing")
        case .socketRemoved:
            halted = false
            return move(to: .gone, "socket removed")
        case .frozenDetected: frozen = true
        case .thawDetected, .thawedAtDeadline: frozen = false
        case .bootStarted: booting = true
        default: break
        }
        return nil
    }

    private mutating func halt(_ next: SessionState, _ reason: String) -> SessionTransition? {
        halted = true
        consecutiveMisses = 0
        if next == .stopped { booting = false }
        guard next != state else { return SessionTransition(from: state, to: state, reason: reason) }
        return move(to: next, reason)
    }

    /// An answer after a busy spell: the reason says the agent answers again.
    private mutating func endBusySpell(_ reason: String) -> SessionTransition? {
        guard busy else { return nil }
        busy = false
        return SessionTransition(from: state, to: state, reason: reason)
    }

    private mutating func move(to next: SessionState, _ reason: String) -> SessionTransition? {
        guard next != state else { return nil }
        busy = false
        let transition = SessionTransition(from: state, to: next, reason: reason)
        state = next
        return transition
    }
}
