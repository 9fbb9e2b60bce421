import NIOCore
import QGA

/// A request on its way to the agent, as the channel carries it: the request handler tags it
/// with a fresh id, remembers it with its timeout, and completes `promise` with the reply (nil
/// for a success-response false command that stayed silent for its timeout).
struct AgentRequest: Sendable {
    var request: QGARequest
    var successResponse: Bool
    var timeout: TimeAmount
    var promise: EventLoopPromise<QGAReply?>
}

/// What an AgentConnection asks of its channel besides requests: outbound user events, not
/// writes, so that nothing pretends to be data on the wire.
enum AgentControl: Sendable {
    /// 0xFF + guest-sync-delimited, resent with a fresh id every `resendEvery` until the newest
    /// id returns; the event's promise completes when it has (or fails after `timeout`).
    case sync(resendEvery: TimeAmount, timeout: TimeAmount)
    case startHeartbeat(HeartbeatSchedule)
    case stopHeartbeat
}

/// What the request handler tells the handlers after it (inbound user events).
enum AgentChannelEvent: Sendable {
    /// The guest's bytes broke the protocol: the read throttle stops reading for a while.
    case protocolFault
}
