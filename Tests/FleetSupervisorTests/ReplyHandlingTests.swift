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
            channel = EmbeddedChannel(
                handler: AgentChannelHandler(limits: limits, counters: .init(ConnectionCounters())), loop: loop)
            try channel.connect(to: SocketAddress(unixDomainSocketPath: "/test")).wait()
        }

        func request(_ command: String, timeout: TimeAmount = .seconds(5)) -> EventLoopFuture<QGAReply?> {
            let promise = loop.makePromise(of: QGAReply?.self)
            channel.writeAndFlush(
                AgentOutbound.request(QGARequest(execute: command), successResponse: true, timeout: timeout, promise), promise: nil)
            return promise.futureResult
        }

        func startHeartbeat() {
            let outcomes = self.outcomes
            channel.writeAndFlush(AgentOutbound.startHeartbeat(HeartbeatSchedule(interval: .seconds(1), timeout: .seconds(5)) {
                outcome in outcomes.withLockedValue { $0.append(outcome) }
            }), promise: nil)
        }

        func receive(_ bytes: [UInt8]) throws {
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            try channel.writeInbound(buffer)
        }
    }

    /// Fuzzer find: a sentinel and an id-less reply, then silence. The heartbeat's ping must time
    /// out and say so, as the requests beside it do.
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
}
