import NIOCore
import QGA

/// A heartbeat run on the channel's own event loop: ping, wait for the answer (or the
/// timeout), then ping again `interval` later. Started and stopped by `AgentControl` user
/// events; pings go to the request handler as ordinary requests. Nothing leaves the event loop
/// per ping — at 10,000 VMs, hopping to the session's actor for every ping cost more CPU than
/// the pings themselves. Every outcome goes to the schedule's `report`; the heartbeat ends by
/// itself after an outcome that needs a resync, and the channel closing always reports
/// `.disconnected`.
final class HeartbeatHandler: ChannelDuplexHandler {
    typealias InboundIn = Never
    typealias OutboundIn = AgentRequest
    typealias OutboundOut = AgentRequest

    private struct Running {
        var schedule: HeartbeatSchedule
        /// Tells a late completion of a stopped (or replaced) heartbeat's ping to do nothing.
        var generation: Int
        /// The first ping is answered: the next comes after a random 0.5–1.5 intervals, once.
        /// Heartbeats keep the phase they start with (each ping is due an interval after the
        /// last answer), and 10,000 VMs that sync within a second would otherwise ping in a few
        /// of the timer wheel's slots for ever: bursts that tripled the RTT measured (BENCHMARKS.md).
        var phased = false
    }

    private var running: Running?
    private var generation = 0
    private let wheelOverride: TimerWheel?
    private var wheel: TimerWheel!
    private static let ping = GuestPingCommand.request(QGAEmpty())

    init(wheel: TimerWheel? = nil) { wheelOverride = wheel }

    func handlerAdded(context: ChannelHandlerContext) {
        wheel = wheelOverride ?? TimerWheel.current(on: context.eventLoop)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event as? AgentControl {
        case .startHeartbeat(let schedule)?:
            generation += 1
            running = Running(schedule: schedule, generation: generation)
            promise?.succeed()
            if context.channel.isActive {
                ping(context: context, generation: generation)
            } else {
                stop(reporting: .failed(.disconnected))
            }
        case .stopHeartbeat?:
            // A ping already armed finds the generation changed and does nothing.
            running = nil
            promise?.succeed()
        default:
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    private func ping(context: ChannelHandlerContext, generation: Int) {
        guard let current = running, current.generation == generation else { return }
        let promise = context.eventLoop.makePromise(of: QGAReply?.self)
        let started = context.eventLoop.now
        context.writeAndFlush(wrapOutboundOut(AgentRequest(
            request: Self.ping, successResponse: true, timeout: current.schedule.timeout, promise: promise)), promise: nil)
        let handler = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { result in
            let outcome: HeartbeatOutcome
            switch result {
            case .success(let reply):
                if case .failure(let error)? = reply?.outcome {
                    outcome = .failed(.agent(error))
                } else {
                    outcome = .answered(rttMicros: (handler.value.context.eventLoop.now - started).nanoseconds / 1000)
                }
            case .failure(let error):
                outcome = .failed(error as? AgentConnectionError ?? .disconnected)
            }
            handler.value.handler.completed(context: handler.value.context, generation: generation, outcome)
        }
    }

    private func completed(context: ChannelHandlerContext, generation: Int, _ outcome: HeartbeatOutcome) {
        guard let current = running, current.generation == generation else { return }
        if outcome.endsHeartbeat { running = nil }
        current.schedule.report(outcome)
        guard !outcome.endsHeartbeat else { return }
        var delay = current.schedule.interval
        if !current.phased {
            running?.phased = true
            delay = .nanoseconds(Int64(Double(delay.nanoseconds) * Double.random(in: 0.5...1.5)))
        }
        wheel.schedule(in: delay) { self.ping(context: context, generation: generation) }
    }

    private func stop(reporting outcome: HeartbeatOutcome) {
        guard let current = running else { return }
        running = nil
        current.schedule.report(outcome)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A heartbeat between pings hears of the close here (one in flight hears it from its ping).
        stop(reporting: .failed(.disconnected))
        context.fireChannelInactive()
    }
}
