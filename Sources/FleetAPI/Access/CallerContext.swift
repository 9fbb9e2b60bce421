/// The credentials of the connection the current request came on. Set by the Hummingbird
/// middleware that reads SO_PEERCRED; read by the OpenAPI middleware and handlers, which do not
/// see Hummingbird's request context.
enum CallerContext {
    @TaskLocal static var credentials: PeerCredentials?
}
