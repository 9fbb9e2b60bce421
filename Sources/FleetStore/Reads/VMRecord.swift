import GRDB

/// One row of the `vm` table, as the control API reads it.
public struct VMRecord: Sendable, Equatable, Decodable, FetchableRecord {
    public var id: Int64
    public var name: String
    public var socketPath: String
    public var state: VMState
    public var stateSince: Millis
    public var stateReason: String
    public var firstSeen: Millis
    public var lastSeen: Millis?
    public var pingOK: Int64
    public var pingMissed: Int64
    public var rttLastMicros: Int64?
    public var rttMinMicros: Int64?
    public var rttMaxMicros: Int64?
    public var rttEWMAMicros: Double?

    enum CodingKeys: String, CodingKey {
        case id, name, state
        case socketPath = "socket_path", stateSince = "state_since", stateReason = "state_reason"
        case firstSeen = "first_seen", lastSeen = "last_seen", pingOK = "ping_ok", pingMissed = "ping_missed"
        case rttLastMicros = "rtt_last_us", rttMinMicros = "rtt_min_us", rttMaxMicros = "rtt_max_us"
        case rttEWMAMicros = "rtt_ewma_us"
    }
}

/// A row of `vm_transition`.
public struct TransitionRecord: Sendable, Equatable, Decodable, FetchableRecord {
    public var at: Millis
    public var fromState: VMState?
    public var toState: VMState
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case at, reason
        case fromState = "from_state", toState = "to_state"
    }
}
