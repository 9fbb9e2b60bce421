/// Heartbeat results of one VM since the last commit, folded before they reach SQL: a ping is
/// never a row of its own, and 10,000 VMs cost one UPDATE each per commit at most.
public struct HeartbeatSummary: Sendable, Equatable {
    public var ok: Int
    public var missed: Int
    public var lastSeen: Millis?
    public var rttLastMicros: Int64?
    public var rttMinMicros: Int64?
    public var rttMaxMicros: Int64?

    public init(ok: Int = 0, missed: Int = 0, lastSeen: Millis? = nil, rttLastMicros: Int64? = nil, rttMinMicros: Int64? = nil, rttMaxMicros: Int64? = nil) {
        self.ok = ok
        self.missed = missed
        self.lastSeen = lastSeen
        self.rttLastMicros = rttLastMicros
        self.rttMinMicros = rttMinMicros
        self.rttMaxMicros = rttMaxMicros
    }

    public mutating func recordReply(rttMicros: Int64, at time: Millis) {
        ok += 1
        lastSeen = time
        rttLastMicros = rttMicros
        rttMinMicros = min(rttMinMicros ?? rttMicros, rttMicros)
        rttMaxMicros = max(rttMaxMicros ?? rttMicros, rttMicros)
    }

    public mutating func recordMiss() { missed += 1 }
}
