import CoreMetrics

/// fleetd's metrics, through swift-metrics (fleetd bootstraps the Prometheus backend; tests run
/// with the no-op one). Handles are created on first use, after bootstrap, and kept: a
/// heartbeat from each of 10,000 VMs must not look a metric up by name every time.
enum FleetMetrics {
    static let heartbeatRTT = CoreMetrics.Timer(label: "fleet_heartbeat_rtt_seconds")
    static let heartbeatsMissed = Counter(label: "fleet_heartbeats_missed_total")
    static let resyncs = Counter(label: "fleet_resyncs_total")
    static let storeWrite = CoreMetrics.Timer(label: "fleet_store_write_seconds")
    static let storeWriteFailures = Counter(label: "fleet_store_write_failures_total")

    static let staleReplies = Counter(label: "fleet_replies_dropped_total", dimensions: [("reason", "stale")])
    static let oversizedReplies = Counter(label: "fleet_replies_dropped_total", dimensions: [("reason", "oversized")])
    static let malformedReplies = Counter(label: "fleet_replies_dropped_total", dimensions: [("reason", "malformed")])

    /// Freezes that lasted longer than `freeze.maxSeconds`, and fleetd's own freezes it thawed
    /// at their deadline.
    static let freezesOverdue = Counter(label: "fleet_freezes_overdue_total")
    static let freezesThawedAtDeadline = Counter(label: "fleet_freezes_thawed_at_deadline_total")

    /// Exchanges on a shared socket that found another client holding the agent.
    static let agentBusy = Counter(label: "fleet_agent_busy_total")

    /// Failed agent requests by error class: `timeout`, `disconnected`, `protocol`,
    /// `too-large`, `invalid-result`, `busy`, or the agent's own QGA error class.
    static func agentError(_ error: AgentConnectionError) {
        let kind: String
        switch error {
        case .timeout, .syncTimeout: kind = "timeout"
        case .disconnected, .interrupted: kind = "disconnected"
        case .replyTooLarge: kind = "too-large"
        case .protocolViolation: kind = "protocol"
        case .invalidResult: kind = "invalid-result"
        case .busy: kind = "busy"
        case .agent(let agentError): kind = agentError.errorClass.rawValue
        }
        Counter(label: "fleet_agent_errors_total", dimensions: [("class", kind)]).increment()
    }

    /// Execs by the state they ended in.
    static func execFinished(_ state: String) {
        Counter(label: "fleet_execs_total", dimensions: [("state", state)]).increment()
    }
}
