import QGA

/// Indented JSON for people reading machine output; scalars written by the QGA writer so that
/// escaping and 64-bit integers are exact.
enum JSONPretty {
    static func string(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        return out
    }

    static func write(_ value: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += pad
                write(item, indent: indent + 1, into: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "]"
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            for (index, member) in object.members.enumerated() {
                out += pad + JSONWriter(style: .compact).string(.string(member.key)) + ": "
                write(member.value, indent: indent + 1, into: &out)
                out += index == object.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "}"
        default:
            out += JSONWriter(style: .compact).string(value)
        }
    }
}
