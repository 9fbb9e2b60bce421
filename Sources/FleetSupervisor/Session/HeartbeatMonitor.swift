import Foundation
import NIOConcurrencyHelpers
import QGA

/// What a session hears from its heartbeat: only what can change its state.
enum HeartbeatEvent: Sendable {
    case answered
    case frozen
    /// Another client holds a shared socket: no ping was sent, so none was missed.
    case busy
    case missed(AgentConnectionError)
}

/// Takes every heartbeat outcome on the channel's event loop: records it for the store and the
/// metrics at once, and passes it on to the session only when it matters — a miss, the frozen
/// error, the first answer after either — so a healthy VM costs its session nothing per ping.
final class HeartbeatMonitor: Sendable {
    private let vmID: Int64
    private let writer: StoreWriter
    private let events: AsyncStream<HeartbeatEvent>.Continuation
    /// Whether the last outcome was an answer the session has already heard about.
    private let answering = NIOLockedValueBox(false)

    init(vmID: Int64, writer: StoreWriter, events: AsyncStream<HeartbeatEvent>.Continuation) {
        self.vmID = vmID
        self.writer = writer
        self.events = events
    }

    func report(_ outcome: HeartbeatOutcome) {
        switch outcome {
        case .answered(let micros):
            FleetMetrics.heartbeatRTT.recordMicroseconds(micros)
            let now = Date().millis
            writer.heartbeat(vmID: vmID) { $0.recordReply(rttMicros: micros, at: now) }
            let wasAnswering = answering.withLockedValue { answering in
                defer { answering = true }
                return answering
            }
            if !wasAnswering { events.yield(.answered) }
        case .failed(let error):
            answering.withLockedValue { $0 = false }
            if case .agent(let agentError) = error, agentError.refusal == .frozen {
                events.yield(.frozen)
            } else if error == .busy {
                FleetMetrics.agentBusy.increment()
                events.yield(.busy)
            } else if error != .interrupted {
                writer.heartbeat(vmID: vmID) { $0.recordMiss() }
                FleetMetrics.heartbeatsMissed.increment()
                events.yield(.missed(error))
            }
        }
        if outcome.endsHeartbeat { events.finish() }
    }
}
