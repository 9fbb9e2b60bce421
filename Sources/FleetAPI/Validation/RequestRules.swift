import Foundation
import HTTPTypes
import OpenAPIRuntime

/// What docs/openapi.yaml says each operation accepts — its parameters with their schemas, its
/// body's schema and the most bytes that body may have — read once from the rules that
/// scripts/generate-openapi extracts from the document (Generated/RequestRulesDocument.swift).
struct RequestRules: Decodable, Sendable {
    struct Parameter: Decodable, Sendable {
        enum Location: String, Decodable, Sendable { case query, path, header, cookie }
        let name: String
        let location: Location
        let required: Bool
        let schema: SchemaRule

        enum CodingKeys: String, CodingKey {
            case name, required, schema
            case location = "in"
        }
    }

    struct Body: Decodable, Sendable {
        let required: Bool
        let schema: SchemaRule
    }

    struct Operation: Decodable, Sendable {
        let method: String
        let path: String
        let parameters: [Parameter]
        let body: Body?
        let maxBodyBytes: Int
    }

    let operations: [String: Operation]
    /// Each path of the document with the methods it declares (for 405 and `Allow`).
    let paths: [String: [String]]

    static let document: RequestRules = {
        do {
            return try JSONDecoder().decode(RequestRules.self, from: Data(RequestRulesDocument.json.utf8))
        } catch {
            // The rules are generated with the code that uses them; a test decodes them too.
            fatalError("Generated/RequestRulesDocument.swift does not decode: \(error)")
        }
    }()

    /// Checks every declared parameter of `operationID` in the request; throws the first rule broken.
    func checkParameters(
        of operationID: String, request: HTTPRequest, pathParameters: [String: Substring]
    ) throws(SchemaValidator.Violation) {
        guard let operation = operations[operationID] else { return }
        let query = try Self.queryItems(request.path ?? "")
        for parameter in operation.parameters {
            let location = "\(parameter.location.rawValue) parameter '\(parameter.name)'"
            let values: [String]
            switch parameter.location {
            case .query: values = query[parameter.name] ?? []
            case .path: values = pathParameters[parameter.name].map { [String($0).removingPercentEncoding ?? String($0)] } ?? []
            case .header: values = HTTPField.Name(parameter.name).map { request.headerFields[values: $0] } ?? []
            case .cookie: values = []
            }
            guard let text = values.first else {
                if parameter.required { throw .init(location: location, rule: "is required") }
                continue
            }
            guard values.count == 1 else { throw .init(location: location, rule: "must be given once (got \(values.count) values)") }
            let value = try ParameterText.instance(text, as: parameter.schema.type, at: location)
            try SchemaValidator.check(value, against: parameter.schema, at: location)
        }
    }

    /// Query items by name, decoded as forms are (`+` is a space, then percent escapes).
    static func queryItems(_ path: String) throws(SchemaValidator.Violation) -> [String: [String]] {
        guard let mark = path.firstIndex(of: "?") else { return [:] }
        var items: [String: [String]] = [:]
        for pair in path[path.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ raw: Substring) throws(SchemaValidator.Violation) -> String {
                guard let text = raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw .init(location: "query", rule: "'\(raw.prefix(80))' is not validly percent-encoded")
                }
                return text
            }
            let name = try decode(parts[0])
            items[name, default: []].append(parts.count > 1 ? try decode(parts[1]) : "")
        }
        return items
    }
}
