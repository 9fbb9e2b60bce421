/// How long a VM has been frozen, and when fleetd thaws it: a freeze nobody thaws is how backups
/// hang VMs for hours (the guest's writes wait for as long as it lasts). A pure value: the
/// session feeds it the time and does what it says.
struct FreezeWatch: Sendable, Equatable {
    typealias Instant = ContinuousClock.Instant

    /// Frozen for longer than this is flagged (`freeze.maxSeconds`).
    let maxFrozen: Duration
    /// Since when fleetd has seen the VM frozen; nil while it is not.
    private(set) var since: Instant?
    /// A freeze fleetd issued: when fleetd thaws it, unless extended.
    private(set) var deadline: Instant?
    /// The overdue freeze was flagged (once per freeze).
    private(set) var flagged = false

    init(maxFrozen: Duration) {
        self.maxFrozen = maxFrozen
    }

    /// What is due at `now`.
    enum Due: Equatable {
        case nothing
        /// Frozen longer than `maxFrozen`: flag it, once.
        case flag(frozenFor: Duration)
        /// fleetd's own freeze reached its deadline: thaw it.
        case thaw(frozenFor: Duration)
    }

    mutating func frozen(at now: Instant) {
        if since == nil { since = now }
    }

    /// Thawed (by anyone): the watch starts over.
    mutating func thawed() {
        self = FreezeWatch(maxFrozen: maxFrozen)
    }

    /// fleetd froze it and thaws it by `deadline` (an extension moves it).
    mutating func setDeadline(_ deadline: Instant) {
        self.deadline = deadline
    }

    mutating func due(at now: Instant) -> Due {
        guard let since else { return .nothing }
        if let deadline, now >= deadline { return .thaw(frozenFor: now - since) }
        if !flagged, now - since >= maxFrozen {
            flagged = true
            return .flag(frozenFor: now - since)
        }
        return .nothing
    }

    /// When to look next (nil: nothing ahead).
    var nextCheck: Instant? {
        guard let since else { return nil }
        let flagAt = flagged ? nil : since + maxFrozen
        return [flagAt, deadline].compactMap { $0 }.min()
    }
}
