import Foundation
import HTTPTypes
import Hummingbird

/// Every path of docs/openapi.yaml answers the methods it does not declare with 405 and `Allow`
/// (RFC 9110) instead of Hummingbird's bare 404, and `OPTIONS` with 204 and `Allow`. `HEAD` is
/// served wherever `GET` is (the router generates it).
enum MethodRoutes {
    /// The methods of RFC 9110 and QUERY (the safe method with a body, httpbis draft).
    static let candidates: [HTTPRequest.Method] = [.get, .put, .post, .delete, .patch, .trace, .head, .options, HTTPRequest.Method("QUERY")!]

    static func register(on router: Router<ControlRequestContext>, paths: [String: [String]]) {
        for (path, declared) in paths.sorted(by: { $0.key < $1.key }) {
            var allowed = declared
            if declared.contains("GET") { allowed.append("HEAD") }
            allowed.append("OPTIONS")
            let allow = allowed.joined(separator: ", ")
            let methods = allowed
            for method in candidates where !allowed.contains(method.rawValue) {
                router.on(RouterPath(path), method: method) { _, _ in
                    var error = APIError(.methodNotAllowed, .badRequest, "\(path) does not take \(method.rawValue); it takes \(allow)")
                    error.allow = methods
                    return response(error)
                }
            }
            router.on(RouterPath(path), method: .options) { _, _ in
                Response(status: .noContent, headers: [.allow: allow])
            }
        }
    }

    static func response(_ error: APIError) -> Response {
        let (head, _) = error.response()
        return Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: error.bodyData())))
    }
}
