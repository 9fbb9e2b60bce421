import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import QGA
import XCTest
@testable import FleetSupervisor

/// fleetd's reply handling on a channel whose clock the test drives, including every input the
/// reply fuzzer (Sources/fuzz-replies) found to break it.
final class ReplyHandlingTests: XCTestCase {
    private let limits = QGAStreamLimits(maxMessageBytes: 1 << 16, maxTokens: 4096, maxDepth: 64)

    private struct Line {
        let loop = EmbeddedEventLoop()
        let channel: EmbeddedChannel
        let outcomes = NIOLockedValueBox<[HeartbeatOutcome]>([])

        init(limits: QGAStreamLimits) throws {
            channel = EmbeddedChannel(loop: loop)
            try AgentPipeline.install(on: channel, limits: limits, counters: .init(ConnectionCounters()), wheel: TimerWheel.started(on: loop))
            try channel.connect(to: SocketAddress(unixDomainSocketPath: "/test")).wait()
        }

        func request(_ command: String, timeout: TimeAmount = .seconds(5)) -> EventLoopFuture<QGAReply?> {
            let promise = loop.makePromise(of: QGAReply?.self)
            channel.writeAndFlush(
                AgentRequest(request: QGARequest(execute: command), successResponse: true, timeout: timeout, promise: promise), promise: nil)
            return promise.futureResult
        }

        func startHeartbeat() {
            let outcomes = self.outcomes
            channel.triggerUserOutboundEvent(AgentControl.startHeartbeat(HeartbeatSchedule(interval: .seconds(1), timeout: .seconds(5)) {
                outcome in outcomes.withLockedValue { $0.append(outcome) }
            }), promise: nil)
        }

        func receive(_ bytes: [UInt8]) throws {
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            try channel.writeInbound(buffer)
        }
    }

    /// A sentinel and an id-less reply, then silence: the heartbeat's ping must time out and say
    /// so, as the requests beside it do. (The fuzzer flagged this input; the fault was its own
    /// harness — EmbeddedChannel.finish() cancels the loop's timer-wheel tick — but the case
    /// stays covered.)
    func testHeartbeatReportsATimeoutAfterAnIdlessReply() throws {
        let line = try Line(limits: limits)
        let request = line.request("guest-info")
        line.startHeartbeat()
        try line.receive([0xFF] + Array(#"{"return": 5}"#.utf8) + [0x0A])
        line.loop.advanceTime(by: .seconds(40))
        XCTAssertThrowsError(try request.wait())
        let outcomes = line.outcomes.withLockedValue { $0 }
        XCTAssertEqual(outcomes.first, .failed(.timeout(command: "guest-ping")), "\(outcomes)")
    }

    /// The same input the way the fuzzer feeds it: three requests ahead of the heartbeat, the
    /// bytes in uneven chunks with time passing between them.
    func testHeartbeatTimesOutBehindThreeRequestsWithChunkedInput() throws {
        let line = try Line(limits: limits)
        let requests = ["guest-ping", "guest-info", "guest-get-osinfo"].map { line.request($0) }
        line.startHeartbeat()
        let input = [0xFF] + Array(#"{"return": 5}"#.utf8) + [0x0A]
        var offset = 0
        var chunk = 1
        while offset < input.count {
            let end = min(input.count, offset + chunk)
            try line.receive(Array(input[offset..<end]))
            line.loop.advanceTime(by: .milliseconds(7))
            offset = end
            chunk = chunk * 5 % 251 + 1
        }
        line.loop.advanceTime(by: .seconds(40))
        for request in requests { XCTAssertThrowsError(try request.wait()) }
        let outcomes = line.outcomes.withLockedValue { $0 }
        XCTAssertEqual(outcomes.first, .failed(.timeout(command: "guest-ping")), "\(outcomes)")
    }

    /// A 5 MiB reply is cut off (and the line hung up) while only routine commands are
    /// outstanding, and accepted while a file read is: the cap follows what was asked
    /// (ReplyAllowance), not only the setting.
    func testReplyCapFollowsWhatIsOutstanding() throws {
        let limits = QGAStreamLimits(maxMessageBytes: 32 << 20, maxTokens: 4096, maxDepth: 64)
        let big = String(repeating: "a", count: 5 << 20)
        let routine = try Line(limits: limits)
        let info = routine.request("guest-get-osinfo")
        try routine.receive(Array(#"{"return": {"name": "\#(big)"}, "id": 1}"#.utf8) + [0x0A])
        XCTAssertThrowsError(try info.wait()) { error in
            guard case AgentConnectionError.replyTooLarge = error else { return XCTFail("\(error)") }
        }
        XCTAssertFalse(routine.channel.isActive, "fleetd hangs up rather than read the rest of an oversized reply")

        let large = try Line(limits: limits)
        let read = large.request("guest-file-read")
        try large.receive(Array(#"{"return": {"count": 5, "buf-b64": "\#(big)", "eof": true}, "id": 1}"#.utf8) + [0x0A])
        let reply = try XCTUnwrap(try read.wait())
        XCTAssertEqual(reply.id, 1)
        XCTAssertTrue(large.channel.isActive)
    }
}
