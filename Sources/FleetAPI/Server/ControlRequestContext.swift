import Hummingbird
import NIOCore

/// Hummingbird's request context, keeping the connection's channel so that the caller's peer
/// credentials can be read from its socket.
struct ControlRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Reads SO_PEERCRED for each request and makes it the task's `CallerContext` for the OpenAPI
/// middleware and handlers, which do not see Hummingbird's context.
struct PeerCredentialsMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let credentials = await PeerCredentials.of(context.channel)
        return try await CallerContext.$credentials.withValue(credentials) {
            try await next(request, context)
        }
    }
}
