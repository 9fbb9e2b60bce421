import NIOCore

/// A heartbeat run on the channel's own event loop: ping, wait for the answer (or the
/// timeout), then ping again `interval` later. Started and stopped by `AgentControl` user
/// events. Pings go straight to the request handler (`sendPing`), which tells this handler how
/// each ended (`PingListener`): no promise, callback or pipeline trip per ping. Nothing leaves
/// the event loop per ping — at 10,000 VMs, hopping to the session's actor for every ping cost
/// more CPU than the pings themselves. Every outcome goes to the schedule's `report`; the
/// heartbeat ends by itself after an outcome that needs a resync, and the channel closing always
/// reports `.disconnected`.
final class HeartbeatHandler: ChannelDuplexHandler, PingListener {
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
    /// The request handler below this one in the pipeline, which sends the pings.
    private let requests: AgentRequestHandler

    init(requests: AgentRequestHandler, wheel: TimerWheel? = nil) {
        self.requests = requests
        wheelOverride = wheel
        requests.pingListener = self
    }

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
                ping(generation: generation)
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

    private func ping(generation: Int) {
        guard let current = running, current.generation == generation else { return }
        requests.sendPing(generation: generation, timeout: current.schedule.timeout)
    }

    func pingFinished(generation: Int, _ outcome: HeartbeatOutcome) {
        guard let current = running, current.generation == generation else { return }
        if outcome.endsHeartbeat { running = nil }
        current.schedule.report(outcome)
        guard !outcome.endsHeartbeat else { return }
        var delay = current.schedule.interval
        if !current.phased {
            running?.phased = true
            delay = .nanoseconds(Int64(Double(delay.nanoseconds) * Double.random(in: 0.5...1.5)))
        }
        wheel.schedule(in: delay) { self.ping(generation: generation) }
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
