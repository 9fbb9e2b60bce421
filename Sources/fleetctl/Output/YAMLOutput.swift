import QGA
import Yams

/// YAML through Yams, keeping member order; strings that YAML would read as something else
/// (numbers, booleans, null, leading indicators) are quoted.
enum YAMLOutput {
    static func string(_ value: JSONValue) -> String {
        (try? Yams.serialize(node: node(value), allowUnicode: true)) ?? ""
    }

    static func node(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .string(let s): return Node(s, Tag(.str), needsQuotes(s) ? .doubleQuoted : .any)
        case .array(let items): return Node(items.map(node))
        case .object(let object): return Node(object.members.map { (Node($0.key, Tag(.str), needsQuotes($0.key) ? .doubleQuoted : .any), node($0.value)) })
        default: return Node(JSONWriter(style: .compact).string(value), Tag(.int))
        }
    }

    static func needsQuotes(_ s: String) -> Bool {
        if s.isEmpty || s != s.trimmingCharacters(in: .whitespaces) { return true }
        if Double(s) != nil || Int64(s) != nil { return true }
        let lower = s.lowercased()
        if ["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"].contains(lower) { return true }
        if let first = s.first, "-?:,[]{}#&*!|>'\"%@`".contains(first) { return true }
        return s.contains(": ") || s.contains(" #") || s.contains("\n") || s.hasSuffix(":")
    }
}
