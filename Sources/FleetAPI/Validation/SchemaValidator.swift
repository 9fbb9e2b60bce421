import FleetAPIModel
import Foundation

/// Checks a value against a `SchemaRule` and says, in words, the first rule it breaks and where:
/// "query parameter 'wait': must be at most 300 (got 1e+300)".
enum SchemaValidator {
    struct Violation: Error, Equatable, CustomStringConvertible {
        let location: String
        let rule: String
        var description: String { "\(location): \(rule)" }
    }

    /// `location` names the value for the message: `query parameter 'wait'`, `body`, ...
    static func check(_ value: JSONInstance, against rule: SchemaRule, at location: String) throws(Violation) {
        func fail(_ text: String) throws(Violation) -> Never { throw Violation(location: location, rule: text) }
        if let kind = rule.type { try checkType(value, kind, rule.format, at: location) }
        if let allowed = rule.enumeration, !allowed.contains(value) {
            try fail("must be one of \(allowed.map(\.shown).joined(separator: ", ")) (got \(value.shown))")
        }
        switch value {
        case .integer(let number): try checkBounds(Double(number), shown: value.shown, rule, at: location)
        case .number(let number): try checkBounds(number, shown: value.shown, rule, at: location)
        case .string(let text): try checkString(text, rule, at: location)
        case .array(let items):
            if let minimum = rule.minItems, items.count < minimum { try fail("must have at least \(minimum) items (got \(items.count))") }
            if let maximum = rule.maxItems, items.count > maximum { try fail("must have at most \(maximum) items (got \(items.count))") }
            if let itemRule = rule.items {
                for (index, item) in items.enumerated() { try check(item, against: itemRule, at: "\(location)[\(index)]") }
            }
        case .object(let members): try checkObject(members, rule, at: location)
        case .null, .bool: break
        }
    }

    private static func checkType(_ value: JSONInstance, _ kind: SchemaRule.Kind, _ format: String?, at location: String) throws(Violation) {
        let fits: Bool
        switch (kind, value) {
        case (.string, .string), (.boolean, .bool), (.array, .array), (.object, .object), (.integer, .integer): fits = true
        case (.number, .integer), (.number, .number): fits = true
        case (.integer, .number(let number)):
            let integral = number.rounded(.towardZero) == number
            throw Violation(
                location: location,
                rule: integral ? "must be an integer within ±9223372036854775807 (got \(value.shown))" : "must be an integer (got \(value.shown))")
        default: fits = false
        }
        guard fits else { throw Violation(location: location, rule: "must be \(article(kind)) (got \(value.typeName))") }
        if format == "int32", case .integer(let number) = value, Int32(exactly: number) == nil {
            throw Violation(location: location, rule: "must be a 32-bit integer (got \(value.shown))")
        }
    }

    private static func checkBounds(_ number: Double, shown: String, _ rule: SchemaRule, at location: String) throws(Violation) {
        if let minimum = rule.minimum, number < minimum {
            throw Violation(location: location, rule: "must be at least \(format(minimum)) (got \(shown))")
        }
        if let maximum = rule.maximum, number > maximum {
            throw Violation(location: location, rule: "must be at most \(format(maximum)) (got \(shown))")
        }
    }

    private static func checkString(_ text: String, _ rule: SchemaRule, at location: String) throws(Violation) {
        // JSON Schema counts characters as code points.
        let length = text.unicodeScalars.count
        if let minimum = rule.minLength, length < minimum {
            throw Violation(location: location, rule: minimum == 1 ? "must not be empty" : "must be at least \(minimum) characters long")
        }
        if let maximum = rule.maxLength, length > maximum {
            throw Violation(location: location, rule: "must be at most \(maximum) characters long (got \(length))")
        }
        if let pattern = rule.pattern, !pattern.matches(text) {
            throw Violation(location: location, rule: "must be \(rule.expects ?? "text matching \(pattern.source)") (got '\(text.prefix(80))')")
        }
        if rule.format == "date-time", RFC3339DateTranscoder.date(text) == nil {
            throw Violation(location: location, rule: "must be an RFC 3339 time such as 2026-12-02T13:00:00Z (got '\(text.prefix(80))')")
        }
    }

    private static func checkObject(_ members: [String: JSONInstance], _ rule: SchemaRule, at location: String) throws(Violation) {
        for name in rule.required ?? [] where members[name] == nil {
            throw Violation(location: location, rule: "must have the member '\(name)'")
        }
        if let maximum = rule.maxProperties, members.count > maximum {
            let names = members.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw Violation(location: location, rule: "must have at most \(maximum) member\(maximum == 1 ? "" : "s") (got \(names))")
        }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            let inner = location == "body" ? "body member '\(name)'" : "\(location).\(name)"
            if let memberRule = rule.properties?[name] {
                try check(member, against: memberRule, at: inner)
            } else {
                switch rule.additionalProperties {
                case .allowed(false): throw Violation(location: location, rule: "has no member '\(name)'")
                case .schema(let memberRule): try check(member, against: memberRule, at: inner)
                case .allowed(true), nil: break
                }
            }
        }
    }

    private static func article(_ kind: SchemaRule.Kind) -> String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a number"
        case .boolean: "a boolean"
        case .array: "a list"
        case .object: "an object"
        }
    }

    private static func format(_ bound: Double) -> String {
        bound.rounded() == bound && abs(bound) < 1e15 ? String(Int64(bound)) : String(bound)
    }
}
