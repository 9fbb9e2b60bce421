import NIOCore
import QGA

/// One connection to a simulated agent: requests parsed with the agent-side QGA decoder,
/// replies written as the guest's behaviour says (late, streamed, trickled, or never).
final class GuestChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let guest: SimulatedGuest
    private var decoder = QGAStreamDecoder(role: .agent)
    private var trickle: RepeatedTask?
    private var hangUp: Scheduled<Void>?

    init(guest: SimulatedGuest) { self.guest = guest }

    func channelActive(context: ChannelHandlerContext) {
        if case .flapping(let seconds) = guest.behaviour {
            let channel = context.channel
            let after = Double(seconds) * Double.random(in: 0.5...1.5)
            hangUp = context.eventLoop.scheduleTask(in: .milliseconds(Int64(after * 1000))) { channel.close(promise: nil) }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        trickle?.cancel()
        hangUp?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let events = buffer.withUnsafeReadableBytes { decoder.feed($0) }
        for case .message(let request) in events {
            for reply in guest.respond(to: request) { send(reply, context: context) }
        }
    }

    private func send(_ reply: Reply, context: ChannelHandlerContext) {
        let channel = context.channel
        switch reply {
        case .bytes(let bytes):
            guard !bytes.isEmpty else { return }
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
        case .after(let milliseconds, let bytes):
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(milliseconds))) {
                guard channel.isActive, !bytes.isEmpty else { return }
                channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
            }
        case .stream(let prefix, let unit, let count, let suffix):
            channel.write(channel.allocator.buffer(bytes: prefix), promise: nil)
            Self.stream(unit, remaining: count, suffix: suffix, on: channel)
        case .trickle(let prefix):
            guard trickle == nil else { return }
            channel.writeAndFlush(channel.allocator.buffer(bytes: prefix), promise: nil)
            trickle = context.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(10), delay: .milliseconds(10)) { _ in
                channel.writeAndFlush(channel.allocator.buffer(bytes: Array("x".utf8)), promise: nil)
            }
        }
    }

    /// Writes `unit` about 1 MiB at a time, each chunk after the previous one left, so a reader
    /// that stops reading holds the writer back instead of filling the simulator's memory.
    private static func stream(_ unit: [UInt8], remaining: Int, suffix: [UInt8], on channel: any Channel) {
        guard channel.isActive else { return }
        guard remaining > 0 else {
            channel.writeAndFlush(channel.allocator.buffer(bytes: suffix), promise: nil)
            return
        }
        let perChunk = max(1, (1 << 20) / max(1, unit.count))
        let n = min(perChunk, remaining)
        var buffer = channel.allocator.buffer(capacity: n * unit.count)
        for _ in 0..<n { buffer.writeBytes(unit) }
        channel.writeAndFlush(buffer).whenSuccess {
            stream(unit, remaining: remaining - n, suffix: suffix, on: channel)
        }
    }
}
