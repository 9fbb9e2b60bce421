import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import QGA
@testable import FleetSupervisor
import FuzzDriver

// libFuzzer target for fleetd's reply handling (see scripts/fuzz): the host end of a QGA
// channel (AgentPipeline's handlers, with their caps) has three requests and a heartbeat outstanding
// when the input arrives from the "guest" in uneven chunks; then time runs past every timeout.
// Checked: nothing crashes, every request ends (answered, failed or timed out — none left
// waiting), and a reply is only ever matched to a request it answers.

let limits = QGAStreamLimits(maxMessageBytes: 1 << 16, maxTokens: 4096, maxDepth: 64)
/// One loop for every input: fleetd's loops live for ever, and so does each loop's timer wheel.
let loop = EmbeddedEventLoop()
// libFuzzer calls in on one thread, the loop's own: the wheel is never shared.
nonisolated(unsafe) let wheel = TimerWheel.started(on: loop)

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let channel = EmbeddedChannel(loop: loop)
    try? AgentPipeline.install(on: channel, limits: limits, counters: .init(ConnectionCounters()), wheel: wheel)
    _ = try? channel.connect(to: SocketAddress(unixDomainSocketPath: "/fuzz")).wait()

    var results: [EventLoopFuture<QGAReply?>] = []
    for command in ["guest-ping", "guest-info", "guest-get-osinfo"] {
        let promise = loop.makePromise(of: QGAReply?.self)
        channel.writeAndFlush(AgentRequest(request: QGARequest(execute: command), successResponse: true, timeout: .seconds(5), promise: promise), promise: nil)
        results.append(promise.futureResult)
    }
    let heartbeatOutcomes = NIOLockedValueBox<[HeartbeatOutcome]>([])
    channel.triggerUserOutboundEvent(AgentControl.startHeartbeat(HeartbeatSchedule(interval: .seconds(1), timeout: .seconds(5)) { outcome in
        heartbeatOutcomes.withLockedValue { $0.append(outcome) }
    }), promise: nil)

    var offset = 0
    var chunk = 1
    while offset < input.count {
        let end = min(input.count, offset + chunk)
        var buffer = channel.allocator.buffer(capacity: end - offset)
        buffer.writeBytes(UnsafeBufferPointer(rebasing: input[offset..<end]))
        _ = try? channel.writeInbound(buffer)
        loop.advanceTime(by: .milliseconds(7))
        offset = end
        chunk = chunk * 5 % 251 + 1
    }
    // Past every timeout, including the six-timeout hard deadline of a busy line.
    loop.advanceTime(by: .seconds(40))
    for (index, future) in results.enumerated() {
        let ended = NIOLockedValueBox(false)
        future.whenComplete { result in
            ended.withLockedValue { $0 = true }
            if case .success(let reply?) = result {
                // Ids 1...3 went out in order: a reply is matched only by its own id.
                check(reply.id == .int(Int64(index + 1)), "reply matched to the wrong request")
            }
        }
        check(ended.withLockedValue { $0 }, "request \(index + 1) still waiting after every timeout")
    }
    check(!heartbeatOutcomes.withLockedValue { $0.isEmpty }, "the heartbeat reported nothing")
    // Not `finish()`: it cancels every task on the loop, the wheel's tick among them, and the
    // next input would run on a loop whose timers never fire.
    channel.close(promise: nil)
    loop.run()
    return 0
}

@_cdecl("fuzz_replies_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOne(data, size) }
}
