import NIOCore

/// What one heartbeat ping came to.
public enum HeartbeatOutcome: Sendable, Equatable {
    case answered(rttMicros: Int64)
    case failed(AgentConnectionError)

    /// After these the heartbeat stops: the stream needs a resync (or is gone), which is the
    /// session's to run, and the session starts a new heartbeat afterwards.
    var endsHeartbeat: Bool {
        guard case .failed(let error) = self else { return false }
        return error.requiresResync || error == .disconnected || error == .interrupted
    }
}

/// A heartbeat the channel runs on its own event loop: ping, wait for the answer (or the
/// timeout), then ping again `interval` later. Nothing leaves the event loop per ping — at
/// 10,000 VMs, hopping to the session's actor and a timer thread for every ping cost more CPU
/// than the pings themselves. `report` sees every outcome on the event loop and must be quick.
public struct HeartbeatSchedule: Sendable {
    public var interval: TimeAmount
    public var timeout: TimeAmount
    public var report: @Sendable (HeartbeatOutcome) -> Void

    public init(interval: TimeAmount, timeout: TimeAmount, report: @escaping @Sendable (HeartbeatOutcome) -> Void) {
        self.interval = interval
        self.timeout = timeout
        self.report = report
    }
}
