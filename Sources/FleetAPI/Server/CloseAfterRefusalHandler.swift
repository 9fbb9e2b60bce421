import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes the connection once a response that says `Connection: close` has been written.
/// fleetd answers that way when it refuses a body it will not read (413) or cannot read (a
/// malformed chunk): draining the rest of a 512 MiB upload only to discard it would cost the
/// time the cap is there to save, and a connection whose framing broke cannot carry another
/// request. Hummingbird itself keeps such a connection open.
final class CloseAfterRefusalHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var closeAfterEnd = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        switch part {
        case .head(let head):
            closeAfterEnd = head.headerFields[.connection]?.lowercased() == "close"
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard closeAfterEnd else { return context.write(data, promise: promise) }
            closeAfterEnd = false
            // As Hummingbird's own idle handling does: the answer is small and already flushed.
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
        }
    }
}
