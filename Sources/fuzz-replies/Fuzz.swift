import NIOCore
import NIOEmbedded
import QGA
@testable import FleetSupervisor

// libFuzzer target for fleetd's reply handling (see scripts/fuzz): the host end of a QGA
// channel (AgentChannelHandler, with its caps) has three requests and a heartbeat outstanding
// when the input arrives from the "guest" in uneven chunks; then time runs past every timeout.
// Checked: nothing crashes, every request ends (answered, failed or timed out — none left
// waiting), and a reply is only ever matched to a request it answers.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

let limits = QGAStreamLimits(maxMessageBytes: 1 << 16, maxTokens: 4096, maxDepth: 64)
/// One loop for every input: fleetd's loops live for ever, and so does each loop's timer wheel.
nonisolated(unsafe) let loop = EmbeddedEventLoop()

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let channel = EmbeddedChannel(
        handler: AgentChannelHandler(limits: limits, counters: .init(ConnectionCounters())), loop: loop)
    _ = try? channel.connect(to: SocketAddress(unixDomainSocketPath: "/fuzz")).wait()

    var results: [EventLoopFuture<QGAReply?>] = []
    for command in ["guest-ping", "guest-info", "guest-get-osinfo"] {
        let promise = loop.makePromise(of: QGAReply?.self)
        channel.writeAndFlush(AgentOutbound.request(QGARequest(execute: command), successResponse: true, timeout: .seconds(5), promise), promise: nil)
        results.append(promise.futureResult)
    }
    nonisolated(unsafe) var heartbeatOutcomes: [HeartbeatOutcome] = []
    channel.writeAndFlush(AgentOutbound.startHeartbeat(HeartbeatSchedule(interval: .seconds(1), timeout: .seconds(5)) { outcome in
        heartbeatOutcomes.append(outcome)
    }), promise: nil)

    var offset = 0
    var chunk = 1
    while offset < input.count {
        let end = min(input.count, offset + chunk)
        var buffer = channel.allocator.buffer(capacity: end - offset)
        buffer.writeBytes(UnsafeBufferPointer(rebasing: input[offset..<end]))
        try? channel.writeInbound(buffer)
        loop.advanceTime(by: .milliseconds(7))
        offset = end
        chunk = chunk * 5 % 251 + 1
    }
    // Past every timeout, including the six-timeout hard deadline of a busy line.
    loop.advanceTime(by: .seconds(40))
    for (index, future) in results.enumerated() {
        var ended = false
        future.whenComplete { result in
            ended = true
            if case .success(let reply?) = result {
                // Ids 1...3 went out in order: a reply is matched only by its own id.
                precondition(reply.id == .int(Int64(index + 1)), "reply matched to the wrong request")
            }
        }
        precondition(ended, "request \(index + 1) still waiting after every timeout")
    }
    precondition(!heartbeatOutcomes.isEmpty, "the heartbeat reported nothing")
    _ = try? channel.finish()
    return 0
}

@_cdecl("fuzz_replies_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) }
}
