import QGA

/// How two agents' replies must agree.
enum JSONComparison {
    /// Same members everywhere and the same kind of value at each (numbers are one kind:
    /// qemu-ga writes a whole 'number' as an integer).
    static func shapeDifference(_ a: JSONValue, _ b: JSONValue, path: String = "$") -> String? {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            let xk = Set(x.keys), yk = Set(y.keys)
            if xk != yk { return "\(path): members differ: only qemu-ga \(xk.subtracting(yk).sorted()), only fleet-agent \(yk.subtracting(xk).sorted())" }
            for key in x.keys.sorted() {
                if let d = shapeDifference(x[key]!, y[key]!, path: "\(path).\(key)") { return d }
            }
            return nil
        case (.array(let x), .array(let y)):
            if x.count != y.count { return "\(path): \(x.count) elements vs \(y.count)" }
            for (i, (u, v)) in zip(x, y).enumerated() {
                if let d = shapeDifference(u, v, path: "\(path)[\(i)]") { return d }
            }
            return nil
        default:
            return kind(a) == kind(b) ? nil : "\(path): \(kind(a)) vs \(kind(b))"
        }
    }

    static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "bool"
        case .int, .uint, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Values equal after removing the members at the given paths (e.g. counters that move).
    static func removing(_ value: JSONValue, members names: Set<String>) -> JSONValue {
        switch value {
        case .object(let object):
            var copy = JSONObject()
            for member in object where !names.contains(member.key) {
                copy[member.key] = removing(member.value, members: names)
            }
            return .object(copy)
        case .array(let elements):
            return .array(elements.map { removing($0, members: names) })
        default:
            return value
        }
    }

    /// Arrays of objects compared as sets keyed by a member (order is unspecified in QGA).
    static func sorted(_ value: JSONValue, by key: String) -> JSONValue {
        guard case .array(let elements) = value else { return value }
        let writer = JSONWriter(style: .compact)
        return .array(elements.sorted { a, b in
            let ka = a[key].map(writer.string) ?? "", kb = b[key].map(writer.string) ?? ""
            return ka < kb
        })
    }
}
