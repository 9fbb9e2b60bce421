import Foundation

/// The part of a JSON Schema (as docs/openapi.yaml writes it) that fleetd enforces on requests:
/// types, enums, numeric bounds, lengths, patterns, formats, list sizes, object members.
/// scripts/openapi-rules.py refuses a request schema with any other keyword, so nothing the
/// document states goes unchecked.
final class SchemaRule: Decodable, Sendable {
    enum Kind: String, Decodable, Sendable { case string, integer, number, boolean, array, object }

    let type: Kind?
    let enumeration: [JSONInstance]?
    let minimum: Double?
    let maximum: Double?
    let minLength: Int?
    let maxLength: Int?
    let pattern: Pattern?
    /// What `pattern` means, in words (`x-fleet-expects`), for error messages.
    let expects: String?
    let format: String?
    let items: SchemaRule?
    let minItems: Int?
    let maxItems: Int?
    let properties: [String: SchemaRule]?
    let required: [String]?
    let maxProperties: Int?
    /// `false` refuses members not in `properties`; a schema checks them.
    let additionalProperties: AdditionalProperties?

    enum CodingKeys: String, CodingKey {
        case type, minimum, maximum, minLength, maxLength, pattern, expects, format, items, minItems, maxItems, properties, required
        case maxProperties
        case additionalProperties
        case enumeration = "enum"
    }

    enum AdditionalProperties: Decodable, Sendable {
        case allowed(Bool)
        case schema(SchemaRule)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let allowed = try? container.decode(Bool.self) {
                self = .allowed(allowed)
            } else {
                self = .schema(try container.decode(SchemaRule.self))
            }
        }
    }

    /// An ECMA-262 pattern as JSON Schema means it: found anywhere unless anchored, where `$`
    /// is the very end of the text. ICU's `$` also matches before a final newline, so a trailing
    /// `$` is compiled as `\z`.
    struct Pattern: Decodable, Sendable {
        let source: String
        let expression: NSRegularExpression

        init(from decoder: any Decoder) throws {
            source = try decoder.singleValueContainer().decode(String.self)
            var icu = source
            if icu.hasSuffix("$") && !icu.hasSuffix("\\$") { icu = String(icu.dropLast()) + "\\z" }
            expression = try NSRegularExpression(pattern: icu)
        }

        func matches(_ text: String) -> Bool {
            expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }
}
