/// A column of a listing: which member of the row it shows, its heading, and how a person
/// reads it in a table (machine formats always get the raw value).
struct Column: Sendable {
    enum Kind: Sendable { case text, time, micros, bytes, state }
    var key: String
    var header: String
    var kind: Kind

    init(_ key: String, _ header: String? = nil, _ kind: Kind = .text) {
        self.key = key
        self.header = header ?? Self.heading(for: key)
        self.kind = kind
    }

    /// `agentVersion` → `AGENT VERSION`, `hardware-address` → `HARDWARE ADDRESS`.
    static func heading(for key: String) -> String {
        var words: [String] = []
        var current = ""
        for character in key {
            if character == "-" || character == "_" || character == "." {
                words.append(current)
                current = ""
            } else if character.isUppercase, !current.isEmpty {
                words.append(current)
                current = String(character)
            } else {
                current.append(character)
            }
        }
        words.append(current)
        return words.filter { !$0.isEmpty }.joined(separator: " ").uppercased()
    }
}
