import NIOCore
import QGA

/// What the request handler sets for the frame decoder before the next bytes are decoded
/// (both run on the channel's event loop).
final class FrameDecoderControl {
    /// The cap the next reply may reach (`ReplyAllowance`).
    var maxMessageBytes: Int
    /// A sync was just sent: ignore everything up to the agent's 0xFF sentinel.
    var discardRequested = false
    /// When bytes last arrived, whether or not they completed anything: a large reply streaming
    /// in keeps the requests queued behind it alive (`PendingRequests.expire`).
    var lastBytesAt: NIODeadline

    init(maxMessageBytes: Int, now: NIODeadline) {
        self.maxMessageBytes = maxMessageBytes
        lastBytesAt = now
    }
}

/// The QGA stream decoder (host role, capped) as a NIO `ByteToMessageDecoder`: bytes in,
/// `QGAStreamEvent`s (messages, delimiters, errors) out. The stream decoder takes every byte it
/// is fed, so nothing is left in the cumulation buffer between reads.
struct QGAFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = QGAStreamEvent

    private var decoder: QGAStreamDecoder
    private let control: FrameDecoderControl

    init(limits: QGAStreamLimits, control: FrameDecoderControl) {
        decoder = QGAStreamDecoder(role: .host, limits: limits)
        self.control = control
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        control.lastBytesAt = context.eventLoop.now
        if control.discardRequested {
            control.discardRequested = false
            decoder.discardUntilDelimiter()
        }
        decoder.limits.maxMessageBytes = control.maxMessageBytes
        var events: [QGAStreamEvent] = []
        buffer.readWithUnsafeReadableBytes { raw in
            decoder.feed(raw) { events.append($0) }
            return raw.count
        }
        for event in events { context.fireChannelRead(wrapInboundOut(event)) }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
