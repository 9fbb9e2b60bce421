import FleetStore
import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime

/// Runs around every operation: refuses callers below the operation's tier, writes calls above
/// the read tier to the audit table (before the action, so a crash still leaves a trace; the
/// outcome after), and turns every error into an `Error` JSON body.
struct AccessMiddleware: ServerMiddleware {
    let policy: AccessPolicy
    let audit: any AuditTrail
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let caller = CallerContext.credentials
        let needed = OperationTiers.tier(for: operationID)
        // Calls above read are audited, refused ones included: who tried matters as much.
        var auditID: Int64?
        if needed > .read {
            let vm = metadata.pathParameters["name"].map(String.init)
            let detail = "\(request.method.rawValue) \(request.path ?? "")"
            let now = Date().millis
            let uid = caller.map { Int64($0.uid) } ?? -1
            auditID = try? await audit.beginAudit(uid: uid, action: operationID, vmName: vm, detail: detail, at: now)
        }
        guard policy.tier(of: caller) >= needed else {
            let refused = APIError.forbidden(operation: operationID, needs: needed, caller: caller).closingIfUnread(body).response()
            await finishAudit(auditID, refused.0)
            return refused
        }
        let result: (HTTPResponse, HTTPBody?)
        do {
            result = try await next(request, body, metadata)
        } catch {
            result = Self.errorResponse(error, operationID: operationID, logger: logger)
        }
        await finishAudit(auditID, result.0)
        return result
    }

    private func finishAudit(_ id: Int64?, _ response: HTTPResponse) async {
        guard let id else { return }
        let outcome = "\(response.status.code)"
        try? await audit.finishAudit(id: id, outcome: outcome)
    }

    /// An `APIError` as it is; request decoding problems as bad-request; anything else internal.
    static func errorResponse(_ error: any Error, operationID: String, logger: Logger) -> (HTTPResponse, HTTPBody?) {
        var underlying: any Error = error
        if let serverError = error as? ServerError {
            underlying = serverError.underlyingError
            if let apiError = underlying as? APIError { return apiError.response() }
            // The runtime could not decode the request (bad JSON, wrong types, missing members).
            if serverError.httpStatus.kind == .clientError {
                return APIError(serverError.httpStatus, .badRequest, "\(operationID): \(serverError.causeDescription)").response()
            }
        }
        if let apiError = underlying as? APIError { return apiError.response() }
        logger.error("\(operationID) failed: \(String(describing: underlying))")
        return APIError.internalError("\(operationID) failed: \(underlying)").response()
    }
}
