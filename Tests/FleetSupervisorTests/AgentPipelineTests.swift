import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import QGA
import Testing
@testable import FleetSupervisor

/// The agent pipeline on an embedded channel whose clock the test drives: timeouts, the sync
/// handshake and the read throttle in virtual time, without sleeping.
@Suite("Agent pipeline, virtual time")
struct AgentPipelineTests {
    /// Counts the reads that reach the socket end of the pipeline.
    final class ReadProbe: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = Any
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    struct Line {
        let loop = EmbeddedEventLoop()
        let channel: EmbeddedChannel
        let counters = NIOLockedValueBox(ConnectionCounters())
        let probe = ReadProbe()

        init() throws {
            channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandler(probe)
            try AgentPipeline.install(on: channel, limits: AgentConnection.defaultLimits, counters: counters, wheel: TimerWheel.started(on: loop))
            try channel.connect(to: SocketAddress(unixDomainSocketPath: "/test")).wait()
        }

        func request(_ command: String, timeout: TimeAmount) -> EventLoopFuture<QGAReply?> {
            let promise = loop.makePromise(of: QGAReply?.self)
            channel.writeAndFlush(AgentRequest(request: QGARequest(execute: command), successResponse: true, timeout: timeout, promise: promise), promise: nil)
            return promise.futureResult
        }

        func receive(_ bytes: [UInt8]) throws {
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            try channel.writeInbound(buffer)
        }

        /// Everything written to the guest since the last call.
        func sent() throws -> [UInt8] {
            var bytes: [UInt8] = []
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
            return bytes
        }
    }

    /// When a future completed, in the loop's virtual time.
    static func completion<T: Sendable>(_ future: EventLoopFuture<T>, on loop: EmbeddedEventLoop) -> NIOLockedValueBox<(NIODeadline, Result<T, any Error>)?> {
        let box = NIOLockedValueBox<(NIODeadline, Result<T, any Error>)?>(nil)
        future.whenComplete { result in box.withLockedValue { $0 = (loop.now, result) } }
        return box
    }

    @Test("requests written together leave at the flush, in order, and are answered each by its id")
    func batchLeavesAtFlush() throws {
        let line = try Line()
        let promises = ["guest-get-host-name", "guest-get-time"].map { command in
            let promise = line.loop.makePromise(of: QGAReply?.self)
            line.channel.write(AgentRequest(request: QGARequest(execute: command), successResponse: true, timeout: .seconds(5), promise: promise), promise: nil)
            return promise
        }
        #expect(try line.sent().isEmpty, "nothing leaves before the flush")
        line.channel.flush()
        // As the agent reads them: two requests, one after the other.
        var agentSide = QGAStreamDecoder(role: .agent)
        let requests: [JSONObject] = agentSide.feed(try line.sent()).compactMap { event in
            if case .message(.object(let object)) = event { object } else { nil }
        }
        #expect(requests.map { $0["execute"]?.stringValue } == ["guest-get-host-name", "guest-get-time"])
        // Unwrapped with #require, never `!`: a crash here would take the whole test process down
        // with the agents other tests started (one was left running that way).
        let ids = try requests.map { try #require($0["id"]?.int64Value) }
        try #require(ids.count == 2)
        let replies = promises.map { Self.completion($0.futureResult, on: line.loop) }
        try line.receive(Array(#"{"return": {"host-name": "a"}, "id": \#(ids[0])}{"return": 42, "id": \#(ids[1])}"#.utf8))
        let first = try #require(replies[0].withLockedValue { $0 }).1
        let second = try #require(replies[1].withLockedValue { $0 }).1
        #expect(try first.get()?.outcome == .success(.object(["host-name": "a"])))
        #expect(try second.get()?.outcome == .success(42))
    }

    @Test("an agent trickling an endless message keeps no request alive past six timeouts")
    func trickle() throws {
        let line = try Line()
        let started = line.loop.now
        let done = Self.completion(line.request("guest-get-host-name", timeout: .milliseconds(100)), on: line.loop)
        try line.receive(Array(#"{"return": {"host-name": ""#.utf8))
        // One byte every 25 ms for two seconds: never silent for a whole timeout.
        for _ in 0..<80 {
            try line.receive([UInt8(ascii: "x")])
            line.loop.advanceTime(by: .milliseconds(25))
        }
        let (at, result) = try #require(done.withLockedValue { $0 })
        guard case .failure(let error as AgentConnectionError) = result else { Issue.record("\(result)"); return }
        #expect(error == .timeout(command: "guest-get-host-name"))
        // The hard deadline is six timeouts; the wheel fires up to one tick late.
        #expect(at - started >= .milliseconds(600) && at - started <= .milliseconds(650 + 25), "\(at - started)")
    }

    @Test("a sync resends 0xFF and a fresh id until the newest comes back; late old ids are stale")
    func syncResends() throws {
        let line = try Line()
        let promise = line.loop.makePromise(of: Void.self)
        line.channel.triggerUserOutboundEvent(AgentControl.sync(resendEvery: .milliseconds(500), timeout: .seconds(5)), promise: promise)
        let synced = Self.completion(promise.futureResult, on: line.loop)
        func ids(_ bytes: [UInt8]) -> [Int64] {
            bytes.split(separator: 0xFF).compactMap { chunk in JSONValue.parseDocument(Array(chunk))?["arguments"]?["id"]?.int64Value }
        }
        let first = try line.sent()
        #expect(first.first == 0xFF && ids(first).count == 1)
        line.loop.advanceTime(by: .milliseconds(550))
        let second = ids(try line.sent())
        #expect(second.count == 1 && second != ids(first), "a fresh id")
        // The first id comes back late: stale, the sync goes on.
        try line.receive([0xFF] + Array(#"{"return": \#(ids(first)[0])}"#.utf8) + [0x0A])
        #expect(synced.withLockedValue { $0 } == nil && line.counters.withLockedValue { $0.staleReplies } == 1)
        try line.receive([0xFF] + Array(#"{"return": \#(second[0])}"#.utf8) + [0x0A])
        let (_, result) = try #require(synced.withLockedValue { $0 })
        guard case .success = result else { Issue.record("\(result)"); return }
        #expect(line.counters.withLockedValue { $0.syncAttempts } == 2)
    }

    @Test("a sync nobody answers times out at its deadline")
    func syncTimeout() throws {
        let line = try Line()
        let promise = line.loop.makePromise(of: Void.self)
        line.channel.triggerUserOutboundEvent(AgentControl.sync(resendEvery: .milliseconds(200), timeout: .seconds(1)), promise: promise)
        let synced = Self.completion(promise.futureResult, on: line.loop)
        line.loop.advanceTime(by: .milliseconds(900))
        #expect(synced.withLockedValue { $0 } == nil)
        line.loop.advanceTime(by: .milliseconds(200))
        let (_, result) = try #require(synced.withLockedValue { $0 })
        guard case .failure(let error as AgentConnectionError) = result else { Issue.record("\(result)"); return }
        #expect(error == .syncTimeout)
        #expect(line.counters.withLockedValue { $0.syncAttempts } == 5, "an attempt every 200 ms")
    }

    @Test("after garbage the channel stops reading for the penalty, then reads again")
    func throttle() throws {
        let line = try Line()
        line.channel.read()
        #expect(line.probe.reads == 1)
        try line.receive(Array("garbage}\n".utf8))
        #expect(line.counters.withLockedValue { $0.readPauses } == 1)
        line.channel.read()
        #expect(line.probe.reads == 1, "held back while paused")
        line.loop.advanceTime(by: ReadPenalty.first + TimerWheel.resolution)
        #expect(line.probe.reads == 2, "the held-back read goes through when the pause ends")
        line.channel.read()
        #expect(line.probe.reads == 3)
    }
}
