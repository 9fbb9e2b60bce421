/// A query or path parameter's text read as the type its schema names — strictly, so that what
/// reaches a handler is exactly what the document allows: JSON's number grammar only (no `nan`,
/// `inf`, hex or `+1`, which Swift's own number parsing would take), integers exact.
enum ParameterText {
    static func instance(_ text: String, as kind: SchemaRule.Kind?, at location: String) throws(SchemaValidator.Violation) -> JSONInstance {
        switch kind {
        case .integer:
            guard isJSONNumber(text, integer: true) else { throw .init(location: location, rule: "must be an integer (got '\(text.prefix(80))')") }
            guard let value = Int64(text) else {
                throw .init(location: location, rule: "must be an integer within ±9223372036854775807 (got '\(text.prefix(80))')")
            }
            return .integer(value)
        case .number:
            guard isJSONNumber(text, integer: false), let value = Double(text), value.isFinite else {
                throw .init(location: location, rule: "must be a number (got '\(text.prefix(80))')")
            }
            if let exact = Int64(exactly: value) { return .integer(exact) }
            return .number(value)
        case .boolean:
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw .init(location: location, rule: "must be true or false (got '\(text.prefix(80))')")
            }
        case .string, nil:
            return .string(text)
        case .array, .object:
            throw .init(location: location, rule: "is declared with a type fleetd cannot read from a URL")
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, without the fraction and exponent for integers.
    static func isJSONNumber(_ text: String, integer: Bool) -> Bool {
        let bytes = Array(text.utf8)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == 0x2D { index += 1 }
        let start = index
        let integerDigits = digits()
        guard integerDigits > 0, integerDigits == 1 || bytes[start] != 0x30 else { return false }
        if integer { return index == bytes.count }
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] == 0x65 || bytes[index] == 0x45 {
            index += 1
            if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }
}
