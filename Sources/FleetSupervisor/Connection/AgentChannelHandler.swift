import NIOConcurrencyHelpers
import NIOCore
import QGA

/// What an AgentConnection asks of its channel.
enum AgentOutbound: Sendable {
    case request(QGARequest, successResponse: Bool, timeout: TimeAmount, EventLoopPromise<QGAReply?>)
    case sync(resendEvery: TimeAmount, timeout: TimeAmount, EventLoopPromise<Void>)
    case startHeartbeat(HeartbeatSchedule)
    case stopHeartbeat
}

/// The host end of one QGA channel, on its event loop: frames replies with the QGA stream
/// decoder (host role, capped), tags every request with a fresh integer id and matches replies
/// to it, enforces per-request timeouts, and runs the guest-sync-delimited handshake. Replies
/// that match nothing are dropped and counted; a reply past the cap, or bytes that are not QGA,
/// fail what is pending so the owner resyncs — no other VM is affected.
final class AgentChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = AgentOutbound
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var command: String
        var promise: EventLoopPromise<QGAReply?>
        var timeoutAmount: TimeAmount
        /// However busy the line, the request fails here: an agent trickling an endless message
        /// below the size cap must not keep its requests alive for ever.
        var hardDeadline: NIODeadline
        /// success-response false: silence until the grace period ends means success.
        var silenceIsSuccess: Bool
    }

    private struct Sync {
        var currentID: Int64
        var promise: EventLoopPromise<Void>
        var resend: RepeatedTask?
        var deadline: Scheduled<Void>?
    }

    private struct Heartbeat {
        var schedule: HeartbeatSchedule
        /// Tells a late completion of a stopped (or replaced) heartbeat's ping to do nothing.
        var generation: Int
    }

    private var decoder: QGAStreamDecoder
    private var nextID: Int64 = 1
    private var pending: [Int64: Pending] = [:]
    private var sync: Sync?
    private var heartbeat: Heartbeat?
    private var heartbeatGeneration = 0
    /// When bytes last arrived. The agent answers in order, so while a large reply streams in,
    /// later requests wait behind it: a request times out only after `timeout` of silence.
    private var lastActivity = NIODeadline.now()
    private var eventLoop: (any EventLoop)?
    private var timers: TimerWheel?
    private let counters: NIOLockedValueBox<ConnectionCounters>
    private let writer = JSONWriter(style: .compact)
    /// The configured reply cap; the decoder's own follows what is outstanding (ReplyAllowance).
    private let replyCap: Int
    private var penalty = ReadPenalty()
    private var readingPaused = false

    init(limits: QGAStreamLimits, counters: NIOLockedValueBox<ConnectionCounters>) {
        decoder = QGAStreamDecoder(role: .host, limits: limits)
        replyCap = limits.maxMessageBytes
        self.counters = counters
    }

    func handlerAdded(context: ChannelHandlerContext) {
        eventLoop = context.eventLoop
        lastActivity = context.eventLoop.now
        timers = TimerWheel.current(on: context.eventLoop)
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise writePromise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .request(let request, let successResponse, let timeout, let promise):
            // The caller's write promise means "the handler has it"; a failed socket write is
            // this request's failure, reported through its own promise exactly once.
            writePromise?.succeed()
            send(context: context, request, successResponse: successResponse, timeout: timeout, promise: promise)
        case .sync(let resendEvery, let timeout, let promise):
            startSync(context: context, resendEvery: resendEvery, timeout: timeout, promise: promise)
            writePromise?.succeed()
        case .startHeartbeat(let schedule):
            stopHeartbeat()
            heartbeatGeneration += 1
            heartbeat = Heartbeat(schedule: schedule, generation: heartbeatGeneration)
            ping(context: context, generation: heartbeatGeneration)
            writePromise?.succeed()
        case .stopHeartbeat:
            stopHeartbeat()
            writePromise?.succeed()
        }
    }

    /// Tags a request with a fresh id, remembers it with its timeout, and sends it.
    private func send(
        context: ChannelHandlerContext, _ request: QGARequest, successResponse: Bool, timeout: TimeAmount,
        promise: EventLoopPromise<QGAReply?>
    ) {
        var request = request
        let id = nextID
        nextID += 1
        request.id = .int(id)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        // Never cancelled: once the request is answered the timer finds nothing to do.
        timers?.schedule(in: timeout) { handler.value.expire(id) }
        pending[id] = Pending(
            command: request.execute, promise: promise, timeoutAmount: timeout,
            hardDeadline: context.eventLoop.now + timeout * 6, silenceIsSuccess: !successResponse)
        var buffer = context.channel.allocator.buffer(capacity: 128)
        buffer.writeBytes(request.bytes())
        context.writeAndFlush(wrapOutboundOut(buffer)).whenFailure { _ in
            handler.value.fail(id, AgentConnectionError.disconnected)
        }
    }

    // MARK: Heartbeat

    private func schedulePing(context: ChannelHandlerContext, in delay: TimeAmount) {
        guard let generation = heartbeat?.generation else { return }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timers?.schedule(in: delay) { bound.value.handler.ping(context: bound.value.context, generation: generation) }
    }

    private func ping(context: ChannelHandlerContext, generation: Int) {
        guard let current = heartbeat, current.generation == generation else { return }
        let promise = context.eventLoop.makePromise(of: QGAReply?.self)
        let started = context.eventLoop.now
        send(context: context, Self.pingRequest, successResponse: true, timeout: current.schedule.timeout, promise: promise)
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { result in
            let outcome: HeartbeatOutcome
            switch result {
            case .success(let reply):
                if case .failure(let error)? = reply?.outcome {
                    outcome = .failed(.agent(error))
                } else {
                    outcome = .answered(rttMicros: (bound.value.context.eventLoop.now - started).nanoseconds / 1000)
                }
            case .failure(let error):
                outcome = .failed(error as? AgentConnectionError ?? .disconnected)
            }
            bound.value.handler.pingCompleted(context: bound.value.context, generation: generation, outcome)
        }
    }

    private func pingCompleted(context: ChannelHandlerContext, generation: Int, _ outcome: HeartbeatOutcome) {
        guard let current = heartbeat, current.generation == generation else { return }
        if outcome.endsHeartbeat { heartbeat = nil }
        current.schedule.report(outcome)
        if !outcome.endsHeartbeat { schedulePing(context: context, in: current.schedule.interval) }
    }

    /// A ping already armed finds the generation changed and does nothing.
    private func stopHeartbeat() {
        heartbeat = nil
    }

    private static let pingRequest = GuestPingCommand.request(QGAEmpty())

    private func startSync(context: ChannelHandlerContext, resendEvery: TimeAmount, timeout: TimeAmount, promise: EventLoopPromise<Void>) {
        finishSync(with: .failure(AgentConnectionError.interrupted))
        // Whatever was in flight is unanswerable once the stream is resynchronised.
        failAll(AgentConnectionError.interrupted)
        sync = Sync(currentID: 0, promise: promise)
        // Scheduled work runs on this handler's event loop; both are cancelled in finishSync.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        sync?.deadline = context.eventLoop.scheduleTask(in: timeout) {
            bound.value.handler.finishSync(with: .failure(AgentConnectionError.syncTimeout))
        }
        sync?.resend = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: resendEvery) { _ in
            bound.value.handler.sendSyncAttempt(context: bound.value.context)
        }
    }

    /// 0xFF (so the agent drops any partial input) + guest-sync-delimited with a fresh random id;
    /// from here the decoder ignores everything up to the agent's 0xFF sentinel.
    private func sendSyncAttempt(context: ChannelHandlerContext) {
        guard sync != nil else { return }
        let id = Int64.random(in: Int64.min...Int64.max)
        sync?.currentID = id
        counters.withLockedValue { $0.syncAttempts += 1 }
        decoder.discardUntilDelimiter()
        var buffer = context.channel.allocator.buffer(capacity: 96)
        buffer.writeInteger(UInt8(0xFF))
        buffer.writeBytes(GuestSyncDelimitedCommand.request(GuestSyncArguments(id: id)).bytes())
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func finishSync(with result: Result<Void, any Error>) {
        guard let current = sync else { return }
        sync = nil
        current.resend?.cancel()
        current.deadline?.cancel()
        current.promise.completeWith(result)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        lastActivity = context.eventLoop.now
        decoder.limits.maxMessageBytes = ReplyAllowance.cap(
            largeOutstanding: pending.values.contains { !ReplyAllowance.isSmall($0.command) }, configured: replyCap)
        var events: [QGAStreamEvent] = []
        buffer.withUnsafeReadableBytes { raw in
            decoder.feed(raw) { events.append($0) }
        }
        var faulted = false
        for event in events {
            guard case .error(let error) = event else {
                handle(event)
                continue
            }
            faulted = true
            handle(event)
            if error.kind == .limit {
                // The rest of a message past its cap could be gigabytes: rather than read it to
                // find the end, hang up. The session reconnects (with growing backoff) and syncs.
                let reason = "closed by fleetd: reply cut off (\(Self.brief(error.description)))"
                counters.withLockedValue { $0.closedBecause = reason }
                context.close(promise: nil)
                return
            }
        }
        if faulted { pauseReading(context: context) }
    }

    /// Error texts quote the offending bytes, which a hostile guest controls: keep them short.
    static func brief(_ text: String) -> String {
        text.count <= 120 ? text : String(text.prefix(120)) + "…"
    }

    /// Stops reading from a guest whose bytes just broke the protocol, for ReadPenalty's time.
    private func pauseReading(context: ChannelHandlerContext) {
        guard !readingPaused else { return }
        readingPaused = true
        let delay = penalty.fault(at: context.eventLoop.now)
        counters.withLockedValue { $0.readPauses += 1 }
        let channel = context.channel
        channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) {
            handler.value.readingPaused = false
            // Turning autoRead back on issues the next read.
            channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        }
    }

    private func handle(_ event: QGAStreamEvent) {
        switch event {
        case .delimiter:
            return
        case .error(let error):
            if error.kind == .limit {
                counters.withLockedValue { $0.oversizedReplies += 1 }
                FleetMetrics.oversizedReplies.increment()
                failAll(AgentConnectionError.replyTooLarge(Self.brief(error.description)))
            } else {
                counters.withLockedValue { $0.malformedReplies += 1 }
                FleetMetrics.malformedReplies.increment()
                failAll(AgentConnectionError.protocolViolation(Self.brief(error.description)))
            }
        case .message(let value):
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
                    counters.withLockedValue { $0.staleReplies += 1 }
                    FleetMetrics.staleReplies.increment()
                }
                return
            }
            guard let id = reply.id?.int64Value, let waiting = pending.removeValue(forKey: id) else {
                counters.withLockedValue { $0.staleReplies += 1 }
                FleetMetrics.staleReplies.increment()
                return
            }
            waiting.promise.succeed(reply)
        }
    }

    private func fail(_ id: Int64, _ error: any Error) {
        guard let waiting = pending.removeValue(forKey: id) else { return }
        waiting.promise.fail(error)
    }

    private func expire(_ id: Int64) {
        guard let waiting = pending[id] else { return }
        let quietSince = min(lastActivity + waiting.timeoutAmount, waiting.hardDeadline)
        if let eventLoop, quietSince > eventLoop.now {
            // Replies are still arriving: wait for the line to go quiet for a full timeout.
            let handler = NIOLoopBound(self, eventLoop: eventLoop)
            timers?.schedule(at: quietSince) { handler.value.expire(id) }
            return
        }
        pending[id] = nil
        if waiting.silenceIsSuccess {
            waiting.promise.succeed(nil)
        } else {
            waiting.promise.fail(AgentConnectionError.timeout(command: waiting.command))
        }
    }

    private func failAll(_ error: AgentConnectionError) {
        let waiting = pending
        pending.removeAll()
        for (_, entry) in waiting {
            // A guest that powers off, reboots or suspends on request closes its port, and QEMU
            // its socket, before the silence runs out: for those commands that is the success.
            if entry.silenceIsSuccess && error == .disconnected {
                entry.promise.succeed(nil)
            } else {
                entry.promise.fail(error)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(AgentConnectionError.disconnected)
        // A heartbeat between pings hears of the close here (one in flight heard it just now).
        if let current = heartbeat {
            heartbeat = nil
            current.schedule.report(.failed(.disconnected))
        }
        finishSync(with: .failure(AgentConnectionError.disconnected))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
