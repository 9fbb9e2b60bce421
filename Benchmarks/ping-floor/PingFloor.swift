import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// ping-floor: the least a SwiftNIO client can spend pinging every agent socket in a directory
/// on fleetd's schedule — one connection per socket, a guest-ping each `interval`, replies
/// counted by their newline and never parsed, no promises, no timers per ping (one tick per
/// loop walks the connections whose turn it is). fleetd's heartbeat does the same traffic plus
/// what supervising needs (ids matched, timeouts, JSON, state); the difference between the two
/// is what fleetd's own work costs (BENCHMARKS.md).
@main
struct PingFloor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping-floor",
        abstract: "Ping every QGA socket in a directory as cheaply as SwiftNIO allows (a CPU floor for fleetd's heartbeat).")

    @Option(name: .long, help: "The socket directory (NAME.sock per VM).") var dir: String
    @Option(name: .long, help: "Seconds between pings of one VM.") var interval: Double = 5
    @Option(name: .long, help: "Stop after this many seconds (0: run until killed).") var seconds: Double = 0

    func run() throws {
        let sockets = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sock") }.sorted()
        let group = MultiThreadedEventLoopGroup.singleton
        let replies = NIOLockedValueBox(0)
        var channels: [any Channel] = []
        for name in sockets {
            let channel = try ClientBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ReplyCounter(replies: replies)) }
                }
                .connect(unixDomainSocketPath: dir + "/" + name).wait()
            channels.append(channel)
        }
        say("connected \(channels.count)")
        // Each loop ticks every 50 ms and pings the slot of its connections whose turn it is.
        let tick = TimeAmount.milliseconds(50)
        let slots = max(1, Int((interval * 1000).rounded()) / 50)
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, channels: [any Channel])] = [:]
        for channel in channels {
            byLoop[ObjectIdentifier(channel.eventLoop), default: (channel.eventLoop, [])].channels.append(channel)
        }
        for (_, entry) in byLoop {
            let loop = entry.loop, mine = entry.channels
            loop.execute {
                let pinger = NIOLoopBound(Pinger(channels: mine, slots: slots), eventLoop: loop)
                loop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in pinger.value.tick() }
            }
        }
        let started = Date()
        while seconds == 0 || Date().timeIntervalSince(started) < seconds {
            Thread.sleep(forTimeInterval: 10)
            say("replies \(replies.withLockedValue { $0 }) after \(Int(Date().timeIntervalSince(started))) s")
        }
    }
}

/// A line to stdout at once (stdout to a file is block-buffered, and the benchmark kills us).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The connections of one loop, pinged a slot at a time.
final class Pinger {
    private let channels: [any Channel]
    private let slots: Int
    private var slot = 0
    private var nextID = 1

    init(channels: [any Channel], slots: Int) {
        self.channels = channels
        self.slots = slots
    }

    func tick() {
        var index = slot
        while index < channels.count {
            let channel = channels[index]
            var buffer = channel.allocator.buffer(capacity: 48)
            buffer.writeString("{\"execute\":\"guest-ping\",\"id\":\(nextID)}\n")
            nextID += 1
            channel.writeAndFlush(buffer, promise: nil)
            index += slots
        }
        slot = (slot + 1) % slots
    }
}

/// Counts replies by their newline; parses nothing.
final class ReplyCounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let replies: NIOLockedValueBox<Int>

    init(replies: NIOLockedValueBox<Int>) { self.replies = replies }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let lines = buffer.readableBytesView.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        if lines > 0 { replies.withLockedValue { $0 += lines } }
    }
}
