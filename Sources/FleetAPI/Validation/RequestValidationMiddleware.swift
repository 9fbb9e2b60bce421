import FleetStore
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Checks each request against docs/openapi.yaml before any handler sees it, in the order that
/// costs fleetd least: parameters (types and bounds), then the VM named in the path, and only
/// then the body — read up to the route's cap, then checked against its schema. Runs inside
/// `AccessMiddleware`, so the caller's tier is checked before all of it and refusals are audited.
struct RequestValidationMiddleware: ServerMiddleware {
    let rules: RequestRules
    /// The VM of this name; throws not-found (with close names) when there is none.
    let requireVM: @Sendable (String) async throws -> VMRecord

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let operation = rules.operations[operationID] else { return try await next(request, body, metadata) }
        do {
            try rules.checkParameters(of: operationID, request: request, pathParameters: metadata.pathParameters)
        } catch {
            throw APIError.badRequest(error.description).closingIfUnread(body)
        }
        var vm: VMRecord?
        if operation.path.contains("{name}"), let name = metadata.pathParameters["name"] {
            do {
                vm = try await requireVM(String(name).removingPercentEncoding ?? String(name))
            } catch let error as APIError {
                throw error.closingIfUnread(body)
            }
        }
        // The handler finds the VM here rather than reading it again.
        return try await ResolvedVM.$current.withValue(vm) {
            try await checkBody(operationID, operation, request, body, metadata, next)
        }
    }

    private func checkBody(
        _ operationID: String, _ operation: RequestRules.Operation, _ request: HTTPRequest, _ body: HTTPBody?,
        _ metadata: ServerRequestMetadata,
        _ next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let bodyRule = operation.body else {
            // A body nobody asked for is left unread (Hummingbird discards it), unless it is
            // declared larger than any route takes.
            if case .known(let declared)? = body?.length, declared > Int64(operation.maxBodyBytes) {
                throw BoundedBody.tooLarge(operation.maxBodyBytes, declared: declared)
            }
            return try await next(request, body, metadata)
        }
        let bytes = try await BoundedBody.collect(body, limit: operation.maxBodyBytes)
        if bytes.isEmpty {
            if bodyRule.required { throw APIError.badRequest("\(operationID) needs a JSON body") }
            return try await next(request, nil, metadata)
        }
        if Self.isJSON(request.headerFields[.contentType]) {
            let value: JSONInstance
            do {
                value = try JSONDecoder().decode(JSONInstance.self, from: Data(bytes))
            } catch {
                throw APIError.badRequest("the body is not valid JSON")
            }
            do {
                try SchemaValidator.check(value, against: bodyRule.schema, at: "body")
            } catch {
                throw APIError.badRequest(error.description)
            }
        }
        // Another content type is the generated decoder's to refuse (415).
        return try await next(request, HTTPBody(bytes), metadata)
    }

    /// No Content-Type is taken as JSON, as the generated decoder takes it.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return true }
        let media = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return media == "application/json" || media.hasSuffix("+json")
    }
}
