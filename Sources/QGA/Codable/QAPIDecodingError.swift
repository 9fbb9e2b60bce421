/// Why a JSON value does not fit a schema type, with the member's QAPI path
/// (`vcpus[0].logical-id`) and qemu-ga's text for it.
public struct QAPIDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case missing
        case unexpected
        /// `expected` is QAPI's name for the type: integer, boolean, string, number, object, array.
        case wrongType(expected: String)
        /// A uint64 member holding something else; qemu-ga has its own text for it.
        case notUInt64
        case invalidEnumValue(String)
    }

    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .missing: return "Parameter '\(path)' is missing"
        case .unexpected: return "Parameter '\(path)' is unexpected"
        case .wrongType(let expected): return "Invalid parameter type for '\(path)', expected: \(expected)"
        case .notUInt64: return "Parameter '\(path)' expects uint64"
        case .invalidEnumValue(let value): return "Parameter '\(path)' does not accept value '\(value)'"
        }
    }

    /// As qemu-ga replies it.
    public var qgaError: QGAError { .generic(description) }

    /// QAPI writes nested members as `outer.inner` and list elements as `list[3]`.
    static func path(_ codingPath: [any CodingKey], appending last: (any CodingKey)? = nil) -> String {
        var text = ""
        for key in codingPath + (last.map { [$0] } ?? []) {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text.isEmpty ? "null" : text
    }
}

/// String enums of the schema decode through this, so an unknown value gets qemu-ga's text.
public protocol QAPIEnum: RawRepresentable<String>, Codable, Sendable, Hashable, CaseIterable {}

extension QAPIEnum {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            throw QAPIDecodingError(path: QAPIDecodingError.path(decoder.codingPath), kind: .invalidEnumValue(raw))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
