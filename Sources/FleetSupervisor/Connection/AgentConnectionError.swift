import QGA

/// Why a call to an agent did not produce a result. Every case is contained to one VM.
public enum AgentConnectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No reply within the command's timeout (the connection must resync before reuse).
    case timeout(command: String)
    /// The sync handshake did not complete in time.
    case syncTimeout
    /// The connection closed.
    case disconnected
    /// The request was abandoned because the connection resynced meanwhile.
    case interrupted
    /// A reply passed the size or nesting cap; it was cut off (the connection must resync).
    case replyTooLarge(String)
    /// Bytes that are not QGA (the connection must resync).
    case protocolViolation(String)
    /// The agent answered with an error.
    case agent(QGAError)
    /// The agent answered, but not with what the schema says.
    case invalidResult(command: String, QAPIDecodingError)
    /// Another client holds a shared agent socket: the request was never sent (`SharedSocketLink`).
    case busy

    public var description: String {
        switch self {
        case .timeout(let command): "no reply to \(command) in time"
        case .syncTimeout: "the agent did not answer guest-sync-delimited in time"
        case .disconnected: "the connection closed"
        case .interrupted: "the request was abandoned by a resync"
        case .replyTooLarge(let detail): "reply cut off: \(detail)"
        case .protocolViolation(let detail): "not QGA: \(detail)"
        case .agent(let error): "agent error \(error.errorClass): \(error.desc)"
        case .invalidResult(let command, let error): "\(command) returned an invalid result: \(error)"
        case .busy: "agent busy with another client"
        }
    }

    /// After these the stream position is unknown: resync before the next request.
    public var requiresResync: Bool {
        switch self {
        case .timeout, .replyTooLarge, .protocolViolation, .syncTimeout: true
        case .disconnected, .interrupted, .agent, .invalidResult, .busy: false
        }
    }
}

/// What one connection has seen that did not fit: counted, never logged per event.
public struct ConnectionCounters: Sendable, Equatable {
    /// Replies nobody waited for: late, stale, from an earlier connection, or unsolicited.
    public var staleReplies = 0
    /// Replies cut off at the size/nesting cap.
    public var oversizedReplies = 0
    /// Bytes that did not parse as QGA, or replies of the wrong shape.
    public var malformedReplies = 0
    public var syncAttempts = 0
    /// Times reading stopped for a while after a protocol fault (ReadPenalty).
    public var readPauses = 0
    /// Why fleetd closed the connection itself (a reply past its cap), if it did.
    public var closedBecause: String?

    public init() {}
}
