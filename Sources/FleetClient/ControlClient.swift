import AsyncHTTPClient
import FleetAPIModel
import Foundation
import HTTPTypes
import NIOCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// fleetctl's connection to fleetd: the generated client over AsyncHTTPClient, on the control
/// unix socket. Every failure comes out as a `ControlClientError` that says what to do.
public struct ControlClient: Sendable {
    public static let defaultSocketPath = "/run/fleet/fleetd.sock"
    public let socketPath: String
    public let api: Client
    private let http: HTTPClient

    /// The socket from the flag, else FLEET_SOCKET, else the default.
    public static func socketPath(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let fromEnvironment = environment["FLEET_SOCKET"], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultSocketPath
    }

    public init(socketPath: String, timeout: Duration = .seconds(600)) throws {
        self.socketPath = socketPath
        // `URL(httpURLWithSocketPath:)` ends in "/", which would make every request "//v1/...".
        guard let base = URL(httpURLWithSocketPath: socketPath, uri: ""),
              let serverURL = URL(string: String(base.absoluteString.dropLast()))
        else { throw ControlClientError.unusableSocketPath(socketPath) }
        // A connection that fails (no fleetd, no permission) must fail at once: the shared
        // client's pool would keep retrying it until the request's deadline.
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5)))
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let transport = AsyncHTTPClientTransport(
            configuration: .init(client: http, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)))
        api = Client(
            serverURL: serverURL, configuration: .fleet,
            transport: transport, middlewares: [ErrorBodyMiddleware()])
    }

    /// Closes the connection pool; call once, when done.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// Runs one or more calls, turning transport and API failures into `ControlClientError`.
    public func call<T: Sendable>(_ body: (Client) async throws -> T) async throws -> T {
        do {
            return try await body(api)
        } catch let error as ClientError {
            throw classify(error.underlyingError)
        } catch let error as ControlClientError {
            throw error
        } catch {
            throw classify(error)
        }
    }

    public func classify(_ error: any Error) -> ControlClientError {
        if let error = error as? ControlClientError { return error }
        if let error = error as? ClientError { return classify(error.underlyingError) }
        switch ErrnoSearch.errno(in: error) {
        case ENOENT?, ECONNREFUSED?: return .notRunning(socketPath, String(describing: error))
        case EACCES?, EPERM?: return .permissionDenied(socketPath)
        default:
            if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
                return .timedOut(socketPath)
            }
            return .transport(socketPath, String(describing: error))
        }
    }
}

/// Non-2xx answers carry an `Error` object: throw it as such, whatever the operation.
struct ErrorBodyMiddleware: ClientMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard response.status.kind != .successful else { return (response, responseBody) }
        var bytes = Data()
        if let responseBody { bytes = try await Data(collecting: responseBody, upTo: 1 << 20) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            return try RFC3339DateTranscoder().decode(text)
        }
        if let payload = try? decoder.decode(Components.Schemas._Error.self, from: bytes) {
            throw ControlClientError.api(status: response.status.code, payload)
        }
        throw ControlClientError.api(
            status: response.status.code,
            .init(error: ._internal, message: "HTTP \(response.status.code): \(String(decoding: bytes.prefix(500), as: UTF8.self))"))
    }
}

/// Finds an errno in an error from the transport (NIO's IOError, possibly wrapped).
enum ErrnoSearch {
    static func errno(in error: any Error) -> Int32? {
        if let error = error as? IOError { return error.errnoCode }
        let text = String(describing: error)
        for (code, names) in [(ENOENT, ["ENOENT", "No such file"]), (ECONNREFUSED, ["ECONNREFUSED", "Connection refused"]),
                              (EACCES, ["EACCES", "Permission denied"]), (EPERM, ["EPERM", "Operation not permitted"])]
        where names.contains(where: text.contains) {
            return code
        }
        return nil
    }
}
