import NIOConcurrencyHelpers
import NIOCore

/// Stops reading from a guest whose bytes just broke the protocol, for `ReadPenalty`'s time:
/// told by the request handler's `AgentChannelEvent.protocolFault`, it holds back the channel's
/// reads (as NIO's back-pressure handler does) and lets the next one through when the pause
/// ends. The guest's writes back up in its own socket buffer meanwhile.
final class ReadThrottleHandler: ChannelDuplexHandler {
    typealias InboundIn = Never
    typealias OutboundIn = Never

    private var penalty = ReadPenalty()
    private var paused = false
    private var readHeldBack = false
    private let counters: NIOLockedValueBox<ConnectionCounters>
    private let wheelOverride: TimerWheel?
    private var wheel: TimerWheel!

    init(counters: NIOLockedValueBox<ConnectionCounters>, wheel: TimerWheel? = nil) {
        self.counters = counters
        wheelOverride = wheel
    }

    func handlerAdded(context: ChannelHandlerContext) {
        wheel = wheelOverride ?? TimerWheel.current(on: context.eventLoop)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .protocolFault? = event as? AgentChannelEvent else { return context.fireUserInboundEventTriggered(event) }
        guard !paused else { return }
        paused = true
        counters.withLockedValue { $0.readPauses += 1 }
        wheel.schedule(in: penalty.fault(at: context.eventLoop.now)) { self.resume(context: context) }
    }

    func read(context: ChannelHandlerContext) {
        if paused {
            readHeldBack = true
        } else {
            context.read()
        }
    }

    private func resume(context: ChannelHandlerContext) {
        paused = false
        if readHeldBack {
            readHeldBack = false
            context.read()
        }
    }
}
