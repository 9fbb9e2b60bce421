import FleetAPIModel
import FleetStore
import FleetSupervisor
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle

/// Where and how the control socket listens.
public struct ControlSocketConfig: Sendable {
    public var path: String
    /// The socket file's group (members of the read/operate groups must be able to open it).
    public var group: UInt32?
    public var mode: mode_t
    public var policy: AccessPolicy

    public init(path: String, group: UInt32? = nil, mode: mode_t = 0o660, policy: AccessPolicy) {
        self.path = path
        self.group = group
        self.mode = mode
        self.policy = policy
    }
}

public enum ControlSocketError: Error, CustomStringConvertible {
    case inUse(String)
    case notASocket(String)
    case cannotPrepare(String, String)

    public var description: String {
        switch self {
        case .inUse(let path): "\(path) is in use: another fleetd is answering on it"
        case .notASocket(let path): "\(path) exists and is not a socket; refusing to replace it"
        case .cannotPrepare(let path, let why): "cannot prepare \(path): \(why)"
        }
    }
}

/// fleetd's control socket: HTTP/1.1 + JSON (Hummingbird) on a unix socket, the routes of
/// docs/openapi.yaml, tiers from peer credentials, audit.
public enum ControlServer {
    /// The date format both sides use: RFC 3339 with milliseconds.
    public static let openAPIConfiguration = Configuration.fleet

    /// The control socket's service over a supervisor's sessions, reading through `reader` and
    /// auditing to `audit`; it runs on a loop of its own (`ControlService`).
    public static func makeService(
        config: ControlSocketConfig, supervisor: Supervisor, reader: any FleetReader, audit: any AuditTrail,
        registry: PrometheusCollectorRegistry, logger: Logger
    ) throws -> some Service {
        try prepareSocketPath(config.path)
        let router = Router(context: ControlRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: PeerCredentialsMiddleware())
        let api = ControlAPI(supervisor: supervisor, reader: reader, policy: config.policy, registry: registry)
        let rules = RequestRules.document
        let validation = RequestValidationMiddleware(rules: rules) { name in try await api.vmRecord(name) }
        try api.registerHandlers(
            on: router, configuration: openAPIConfiguration,
            middlewares: [AccessMiddleware(policy: config.policy, audit: audit, logger: logger), validation])
        MethodRoutes.register(on: router, paths: rules.paths)
        let path = config.path, mode = config.mode, group = config.group
        let application = Application(
            router: router,
            server: .http1(configuration: httpConfiguration),
            configuration: .init(address: .unixDomainSocket(path: path), serverName: "fleetd"),
            onServerRunning: { _ in
                // Hummingbird creates the socket with the umask's mode: narrow it, then hand it to the group.
                if chmod(path, mode) != 0 { logger.error("chmod \(path): \(String(cString: strerror(errno)))") }
                if let group, chown(path, UInt32.max, group) != 0 {
                    logger.error("chgrp \(path) to \(group): \(String(cString: strerror(errno)))")
                }
                logger.info("control socket listening on \(path)")
            },
            eventLoopGroupProvider: .shared(controlLoopGroup),
            logger: logger)
        return ControlService(app: application, loop: controlLoopGroup.next())
    }

    /// Headers are bounded well below Hummingbird's defaults (80 KiB, 1,000 fields): no route
    /// needs more than a few. Past a bound the request is answered 400 and the connection closed.
    static let headerLimits = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: 16 << 10, maxHeaderListSize: 64 << 10, maxHeaderFieldCount: 100)

    static var httpConfiguration: HTTP1Channel.Configuration {
        .init(additionalChannelHandlers: [CloseAfterRefusalHandler()], httpDecoderConfiguration: headerLimits)
    }

    /// A socket file left by a fleetd that died is removed; one a live fleetd answers on, or a
    /// file that is not a socket, is an error (never taken over or deleted).
    static func prepareSocketPath(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            return
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw ControlSocketError.notASocket(path) }
        if SocketProbe.accepts(path) { throw ControlSocketError.inUse(path) }
        guard unlink(path) == 0 else { throw ControlSocketError.cannotPrepare(path, String(cString: strerror(errno))) }
    }
}

/// Whether something listens on a unix socket path (a connect that succeeds).
enum SocketProbe {
    static func accepts(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
    }
}
