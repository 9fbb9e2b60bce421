import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes the connection once a response that says `Connection: close` has been written.
/// fleetd answers that way when it refuses a body it will not read (413) or cannot read (a
/// malformed chunk): draining the rest of a 512 MiB upload only to discard it would cost the
/// time the cap is there to save, and a connection whose framing broke cannot carry another
/// request. Hummingbird itself keeps such a connection open.
///
/// It also gives a body to the bare 400 the HTTP layer writes for a request it cannot parse (a
/// request line or headers past the limits, broken framing): every error fleetd answers is the
/// control API's JSON error, whoever produced it.
final class CloseAfterRefusalHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var closeAfterEnd = false
    private var bareRefusalBody: Data?

    static let unparsable = APIError.badRequest(
        "the request could not be read as HTTP within fleetd's limits (request line and headers at most 16 KiB each, 64 KiB in all)")

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        switch part {
        case .head(var head):
            closeAfterEnd = head.headerFields[.connection]?.lowercased() == "close"
            guard head.status == .badRequest, head.headerFields[.contentType] == nil else { return context.write(data, promise: promise) }
            let body = Self.unparsable.bodyData()
            bareRefusalBody = body
            head.headerFields[.contentType] = "application/json; charset=utf-8"
            head.headerFields[.contentLength] = String(body.count)
            head.headerFields[.transferEncoding] = nil
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            // The refusal's body is ours (its length is in the head): anything else passes as it is.
            guard bareRefusalBody == nil else { promise?.succeed(()); return }
            context.write(data, promise: promise)
        case .end:
            if let body = bareRefusalBody {
                bareRefusalBody = nil
                context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
            }
            guard closeAfterEnd else { return context.write(data, promise: promise) }
            closeAfterEnd = false
            // As Hummingbird's own idle handling does: the answer is small and already flushed.
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
        }
    }
}
