import QGA
import Yams

/// YAML through Yams, keeping member order. Every string goes through Yams' own representation,
/// which quotes whatever YAML would read back as something else (a number, a boolean, null, an
/// RFC 3339 time as a timestamp); libyaml quotes what plain style cannot carry (`: `, leading
/// indicators, newlines).
enum YAMLOutput {
    static func string(_ value: JSONValue) -> String {
        (try? Yams.serialize(node: node(value), allowUnicode: true)) ?? ""
    }

    static func node(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .string(let s): return .scalar(s.represented())
        case .array(let items): return Node(items.map(node))
        case .object(let object): return Node(object.members.map { (.scalar($0.key.represented()), node($0.value)) })
        case .double: return Node(JSONWriter(style: .compact).string(value), Tag(.float))
        case .int, .uint: return Node(JSONWriter(style: .compact).string(value), Tag(.int))
        }
    }
}
