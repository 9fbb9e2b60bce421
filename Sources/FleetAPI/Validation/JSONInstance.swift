import Foundation

/// A request value as the validator sees it: a JSON body decoded without a target type, or a
/// query or path parameter's text read as its schema's type says. Integers stay exact.
indirect enum JSONInstance: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// A number that is not an integer within Int64 (a fraction, or too large).
    case number(Double)
    case string(String)
    case array([JSONInstance])
    case object([String: JSONInstance])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONInstance].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONInstance].self))
        }
    }

    /// The value as a person would write it in JSON, for error messages (cut short).
    var shown: String {
        let text: String
        switch self {
        case .null: text = "null"
        case .bool(let value): text = value ? "true" : "false"
        case .integer(let value): text = String(value)
        case .number(let value): text = String(value)
        case .string(let value): text = "'\(value)'"
        case .array(let values): text = "a list of \(values.count)"
        case .object: text = "an object"
        }
        return text.count > 80 ? String(text.prefix(77)) + "…" : text
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
