/// When a VM goes between responsive and not too often to be called responsive each time it
/// answers: `changes` crossings of that line within `window` make it flapping, and it stays so
/// until no crossing has happened for `stableFor`. A pure value: the session feeds it the times.
/// (A guest that answers the sync and then streams an endless reply is cut off, reconnects and
/// answers the sync again, for ever: without this it read `responsive` between cut-offs.)
public struct FlapWindow: Sendable, Equatable {
    public typealias Instant = ContinuousClock.Instant

    public struct Policy: Sendable, Equatable {
        /// Crossings (into responsive or out of it) that make a VM flapping; 0 turns it off.
        public var changes: Int
        public var window: Duration
        /// How long without a crossing before a flapping VM shows its own state again.
        public var stableFor: Duration

        public init(changes: Int = 6, window: Duration = .seconds(600), stableFor: Duration = .seconds(300)) {
            self.changes = changes
            self.window = window
            self.stableFor = stableFor
        }
    }

    public let policy: Policy
    /// The crossings within the window, oldest first; never more than `policy.changes`.
    private(set) var crossings: [Instant] = []

    public init(policy: Policy) {
        self.policy = policy
    }

    /// Records a crossing; true when the window now holds enough of them to call the VM flapping.
    mutating func cross(at now: Instant) -> Bool {
        guard policy.changes > 0 else { return false }
        crossings.removeAll { now - $0 > policy.window }
        crossings.append(now)
        if crossings.count > policy.changes { crossings.removeFirst(crossings.count - policy.changes) }
        return crossings.count >= policy.changes
    }

    /// When a flapping VM will have been stable long enough, if nothing crosses meanwhile.
    var stableAt: Instant? { crossings.last.map { $0 + policy.stableFor } }

    func isStable(at now: Instant) -> Bool { stableAt.map { now >= $0 } ?? true }

    /// Flapping ended: it takes as many new crossings to start again.
    mutating func reset() { crossings = [] }

    /// "6 changes within 10 min", for reasons.
    var summary: String {
        "\(policy.changes) changes between responsive and not within \(ReasonDuration.text(policy.window))"
    }
}
