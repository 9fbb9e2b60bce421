/// /etc/os-release: `KEY=value` lines whose values follow shell quoting rules.
enum OSRelease {
    static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingWhitespace()
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals])
            values[key] = unquote(line[line.index(after: equals)...])
        }
        return values
    }

    /// Shell unquoting: '…' is literal, "…" honours \" \\ \$ \` escapes, bare text keeps
    /// backslash-escaped characters.
    static func unquote(_ raw: Substring) -> String {
        var out = ""
        var quote: Character?
        var iterator = raw.makeIterator()
        while let c = iterator.next() {
            switch (quote, c) {
            case (nil, "'"), (nil, "\""): quote = c
            case ("'", "'"), ("\"", "\""): quote = nil
            case ("'", _): out.append(c)
            case ("\"", "\\"):
                guard let next = iterator.next() else { break }
                if "\"\\$`".contains(next) { out.append(next) } else { out.append("\\"); out.append(next) }
            case (nil, "\\"):
                if let next = iterator.next() { out.append(next) }
            default: out.append(c)
            }
        }
        return out
    }
}
