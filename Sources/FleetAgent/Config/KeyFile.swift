/// GLib's key-file format, as qemu-ga reads /etc/qemu/qemu-ga.conf and writes qga.state:
/// `[group]` headers, `key=value` lines, `#` comments. Later duplicates win, like GLib.
struct KeyFile {
    private(set) var groups: [String: [String: String]] = [:]

    init(parsing text: String) {
        var group = ""
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                group = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingWhitespace()
            let value = line[line.index(after: equals)...].trimmingWhitespace()
            groups[group, default: [:]][key] = value
        }
    }

    func value(group: String, key: String) -> String? { groups[group]?[key] }

    /// GLib accepts true/false and 1/0; anything else is an error the caller reports.
    func bool(group: String, key: String) -> Bool?? {
        guard let text = value(group: group, key: key) else { return .none }
        switch text {
        case "true", "1": return .some(true)
        case "false", "0": return .some(false)
        default: return .some(nil)
        }
    }

    /// A list with qemu-ga's separator (`,`); a trailing separator adds nothing.
    func list(group: String, key: String) -> [String]? {
        value(group: group, key: key).map { $0.split(separator: ",").map(String.init) }
    }
}
