import FleetAPIModel
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// An error the control API answers with: an HTTP status plus an `Error` object whose `error`
/// code is stable and whose message a person can act on.
public struct APIError: Error, Sendable {
    public typealias Code = Components.Schemas._Error._ErrorPayload
    public var status: HTTPResponse.Status
    public var payload: Components.Schemas._Error
    /// Sent with `Connection: close`, and the connection is closed after the answer (a body
    /// fleetd refused to read, or could not).
    var closesConnection = false
    /// For 405: the methods the path declares.
    var allow: [String]?

    public init(_ status: HTTPResponse.Status, _ code: Code, _ message: String) {
        self.status = status
        self.payload = .init(error: code, message: message)
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, .badRequest, message) }
    static func timeout(_ message: String) -> APIError { APIError(.gatewayTimeout, .timeout, message) }
    static func internalError(_ message: String) -> APIError { APIError(.internalServerError, ._internal, message) }

    static func forbidden(operation: String, needs tier: Tier, caller: PeerCredentials?) -> APIError {
        let who = caller.map { "uid \($0.uid)" } ?? "a caller whose credentials could not be read"
        var error = APIError(.forbidden, .forbidden, "\(operation) needs the \(tier.name) tier; \(who) does not have it")
        error.payload.requiredTier = Components.Schemas.Tier(rawValue: tier.name)
        return error
    }

    static func unknownVM(_ name: String, suggestions: [String]) -> APIError {
        var message = "no VM named '\(name)'"
        if !suggestions.isEmpty { message += "; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?" }
        var error = APIError(.notFound, .notFound, message)
        error.payload.suggestions = suggestions
        return error
    }

    static func agent(_ vm: String, _ class_: String, _ desc: String) -> APIError {
        var error = APIError(.badGateway, .agentError, "the agent of '\(vm)' answered \(class_): \(desc)")
        error.payload.agentError = .init(_class: class_, desc: desc)
        return error
    }

    /// The JSON body, with times as RFC 3339.
    func body() -> HTTPBody { HTTPBody(bodyData()) }

    func bodyData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339DateTranscoder.string(date))
        }
        return (try? encoder.encode(payload)) ?? Data(#"{"error":"internal","message":"unencodable error"}"#.utf8)
    }

    /// Refused before its body was read: close the connection rather than have Hummingbird
    /// read and discard what may be hundreds of MiB.
    func closingIfUnread(_ body: HTTPBody?) -> APIError {
        var error = self
        if BoundedBody.isPending(body) { error.closesConnection = true }
        return error
    }

    func response() -> (HTTPResponse, HTTPBody?) {
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        if closesConnection { fields[.connection] = "close" }
        if let allow { fields[.allow] = allow.joined(separator: ", ") }
        return (HTTPResponse(status: status, headerFields: fields), body())
    }
}
