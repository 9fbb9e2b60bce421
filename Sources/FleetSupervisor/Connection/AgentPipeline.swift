import NIOConcurrencyHelpers
import NIOCore
import QGA

/// The host end of one QGA channel, head to tail: bytes framed into QGA events by the stream
/// decoder (host role, capped), requests matched to replies, the heartbeat, the read throttle.
enum AgentPipeline {
    /// Adds the handlers to a channel's pipeline (on its event loop). `wheel` replaces the
    /// loop's shared timer wheel (tests on an embedded loop).
    static func install(
        on channel: any Channel, limits: QGAStreamLimits, counters: NIOLockedValueBox<ConnectionCounters>, wheel: TimerWheel? = nil
    ) throws {
        let control = FrameDecoderControl(maxMessageBytes: limits.maxMessageBytes, now: channel.eventLoop.now)
        let requests = AgentRequestHandler(replyCap: limits.maxMessageBytes, decoderControl: control, counters: counters, wheel: wheel)
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(QGAFrameDecoder(limits: limits, control: control)),
            requests,
            HeartbeatHandler(requests: requests, wheel: wheel),
            ReadThrottleHandler(counters: counters, wheel: wheel),
        ])
    }
}
