import NIOConcurrencyHelpers
import NIOCore
import QGA

/// Requests to replies on one QGA channel: tags every request with a fresh integer id and
/// matches replies to it, enforces per-request timeouts (on the loop's `TimerWheel`, the one
/// timer mechanism of the pipeline), and runs the guest-sync-delimited handshake when asked by
/// the `AgentControl.sync` user event. Replies that match nothing are dropped and counted; a
/// reply past its cap, or bytes that are not QGA, fail what is pending so the owner resyncs —
/// and a reply past its cap makes fleetd hang up. No other VM is affected.
final class AgentRequestHandler: ChannelDuplexHandler {
    typealias InboundIn = QGAStreamEvent
    typealias InboundOut = Never
    typealias OutboundIn = AgentRequest
    typealias OutboundOut = ByteBuffer

    private struct Sync {
        var currentID: Int64
        var promise: EventLoopPromise<Void>?
        var resendEvery: TimeAmount
        /// Tells a late timer of a finished (or replaced) sync to do nothing.
        var generation: Int
    }

    private var pending = PendingRequests<ReplyWaiter>()
    /// The channel's heartbeat, told of its pings' outcomes (`sendPing`).
    weak var pingListener: (any PingListener)?
    /// Kept for `sendPing`, which the heartbeat calls directly rather than through the pipeline.
    private var context: ChannelHandlerContext?
    private var sync: Sync?
    private var syncGeneration = 0
    private var closing = false
    private let counters: NIOLockedValueBox<ConnectionCounters>
    private let decoderControl: FrameDecoderControl
    /// The configured reply cap; the decoder's own follows what is outstanding (ReplyAllowance).
    private let replyCap: Int
    private let wheelOverride: TimerWheel?
    private var wheel: TimerWheel!

    init(replyCap: Int, decoderControl: FrameDecoderControl, counters: NIOLockedValueBox<ConnectionCounters>, wheel: TimerWheel? = nil) {
        self.replyCap = replyCap
        self.decoderControl = decoderControl
        self.counters = counters
        self.wheelOverride = wheel
    }

    func handlerAdded(context: ChannelHandlerContext) {
        wheel = wheelOverride ?? TimerWheel.current(on: context.eventLoop)
        self.context = context
        updateReplyCap()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Requests

    func write(context: ChannelHandlerContext, data: NIOAny, promise writePromise: EventLoopPromise<Void>?) {
        let outbound = unwrapOutboundIn(data)
        // The write promise means "the handler has it"; a failed socket write is this request's
        // failure, reported through its own promise exactly once.
        writePromise?.succeed()
        send(outbound.request, waiter: .promise(outbound.promise), timeout: outbound.timeout, successResponse: outbound.successResponse, flush: false, context: context)
    }

    private static let ping = GuestPingCommand.request(QGAEmpty())

    /// A heartbeat ping; its outcome goes to `pingListener` (at once if the channel is closed).
    func sendPing(generation: Int, timeout: TimeAmount) {
        guard let context else { return finish(.ping(generation: generation, sentAt: .now()), .failure(.disconnected)) }
        send(Self.ping, waiter: .ping(generation: generation, sentAt: context.eventLoop.now), timeout: timeout, successResponse: true, flush: true, context: context)
    }

    /// `flush` for pings, which come from the heartbeat rather than through the pipeline; a
    /// request written through the pipeline waits for the pipeline's flush, so that a batch of
    /// requests leaves in one write.
    private func send(_ request: QGARequest, waiter: ReplyWaiter, timeout: TimeAmount, successResponse: Bool, flush: Bool, context: ChannelHandlerContext) {
        guard !closing, context.channel.isActive else { return finish(waiter, .failure(.disconnected)) }
        let id = pending.add(
            request.execute, waiter: waiter, timeout: timeout, at: context.eventLoop.now,
            silenceIsSuccess: !successResponse, smallReply: ReplyAllowance.isSmall(request.execute))
        updateReplyCap()
        // Never cancelled: once the request is answered the timer finds nothing to do.
        wheel.schedule(in: timeout) { self.expire(id) }
        var buffer = context.channel.allocator.buffer(capacity: 128)
        RequestWire.write(request, id: id, into: &buffer)
        // No write promise: a socket write that fails closes the channel, and closing fails
        // every pending request (`channelInactive`) — this one with the rest.
        if flush {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        } else {
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
    }

    /// Completes whatever waits: a promise, or the heartbeat (which wants an outcome, not a reply).
    private func finish(_ waiter: ReplyWaiter, _ result: Result<QGAReply?, AgentConnectionError>) {
        switch waiter {
        case .promise(let promise):
            promise.completeWith(result.mapError { $0 })
        case .ping(let generation, let sentAt):
            let outcome: HeartbeatOutcome
            switch result {
            case .success(let reply):
                if case .failure(let error)? = reply?.outcome {
                    outcome = .failed(.agent(error))
                } else {
                    outcome = .answered(rttMicros: ((context?.eventLoop.now ?? .now()) - sentAt).nanoseconds / 1000)
                }
            case .failure(let error):
                outcome = .failed(error)
            }
            pingListener?.pingFinished(generation: generation, outcome)
        }
    }

    private func expire(_ id: Int64) {
        switch pending.expire(id, at: wheel.eventLoop.now, lastActivity: decoderControl.lastBytesAt) {
        case .nothing: return
        case .checkAgain(let when):
            wheel.schedule(at: when) { self.expire(id) }
        case .silentSuccess(let entry): finish(entry.waiter, .success(nil))
        case .timedOut(let entry): finish(entry.waiter, .failure(.timeout(command: entry.command)))
        }
        updateReplyCap()
    }

    private func failAll(_ error: AgentConnectionError) {
        for entry in pending.removeAll() {
            // A guest that powers off, reboots or suspends on request closes its port, and QEMU
            // its socket, before the silence runs out: for those commands that is the success.
            finish(entry.waiter, entry.silenceIsSuccess && error == .disconnected ? .success(nil) : .failure(error))
        }
        updateReplyCap()
    }

    private func updateReplyCap() {
        decoderControl.maxMessageBytes = ReplyAllowance.cap(largeOutstanding: pending.largeReplyOutstanding, configured: replyCap)
    }

    // MARK: Sync

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard case .sync(let resendEvery, let timeout)? = event as? AgentControl else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        finishSync(with: .failure(AgentConnectionError.interrupted))
        // Whatever was in flight is unanswerable once the stream is resynchronised.
        failAll(.interrupted)
        syncGeneration += 1
        let generation = syncGeneration
        sync = Sync(currentID: 0, promise: promise, resendEvery: resendEvery, generation: generation)
        wheel.schedule(in: timeout) {
            guard self.sync?.generation == generation else { return }
            self.finishSync(with: .failure(AgentConnectionError.syncTimeout))
        }
        sendSyncAttempt(context: context, generation: generation)
    }

    /// 0xFF (so the agent drops any partial input) + guest-sync-delimited with a fresh random id;
    /// from here the decoder ignores everything up to the agent's 0xFF sentinel. Again after
    /// `resendEvery` until the newest id returns (early ones may come back late, in a burst,
    /// from a booting guest).
    private func sendSyncAttempt(context: ChannelHandlerContext, generation: Int) {
        guard let current = sync, current.generation == generation, context.channel.isActive else { return }
        let id = Int64.random(in: Int64.min...Int64.max)
        sync?.currentID = id
        counters.withLockedValue { $0.syncAttempts += 1 }
        decoderControl.discardRequested = true
        var buffer = context.channel.allocator.buffer(capacity: 96)
        buffer.writeInteger(UInt8(0xFF))
        buffer.writeBytes(GuestSyncDelimitedCommand.request(GuestSyncArguments(id: id)).bytes())
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        wheel.schedule(in: current.resendEvery) { self.sendSyncAttempt(context: context, generation: generation) }
    }

    private func finishSync(with result: Result<Void, any Error>) {
        guard let current = sync else { return }
        sync = nil
        current.promise?.completeWith(result)
    }

    // MARK: Replies

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .delimiter:
            return
        case .error(let error) where error.kind == .limit:
            counters.withLockedValue { $0.oversizedReplies += 1 }
            FleetMetrics.oversizedReplies.increment()
            failAll(.replyTooLarge(Self.brief(error.description)))
            // The rest of a message past its cap could be gigabytes: rather than read it to find
            // the end, hang up. The session reconnects (with growing backoff) and syncs.
            counters.withLockedValue { $0.closedBecause = "closed by fleetd: reply cut off (\(Self.brief(error.description)))" }
            closing = true
            context.close(promise: nil)
        case .error(let error):
            counters.withLockedValue { $0.malformedReplies += 1 }
            FleetMetrics.malformedReplies.increment()
            failAll(.protocolViolation(Self.brief(error.description)))
            context.fireUserInboundEventTriggered(AgentChannelEvent.protocolFault)
        case .message(let value):
            handle(value)
        }
    }

    private func handle(_ value: JSONValue) {
        guard case .success(let reply) = QGAReply.parse(value) else {
            counters.withLockedValue { $0.malformedReplies += 1 }
            FleetMetrics.malformedReplies.increment()
            return
        }
        if let current = sync {
            // During a sync only the reply carrying the newest id counts.
            if case .success(let returned) = reply.outcome, returned.int64Value == current.currentID {
                finishSync(with: .success(()))
            } else {
                countStale()
            }
            return
        }
        guard let entry = pending.answer(reply.id?.int64Value) else { return countStale() }
        updateReplyCap()
        finish(entry.waiter, .success(reply))
    }

    private func countStale() {
        counters.withLockedValue { $0.staleReplies += 1 }
        FleetMetrics.staleReplies.increment()
    }

    /// Error texts quote the offending bytes, which a hostile guest controls: keep them short.
    static func brief(_ text: String) -> String {
        text.count <= 120 ? text : String(text.prefix(120)) + "…"
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.disconnected)
        finishSync(with: .failure(AgentConnectionError.disconnected))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
