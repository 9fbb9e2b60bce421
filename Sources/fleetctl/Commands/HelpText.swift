/// argument-parser wraps help text to the terminal's width but keeps every line break of the
/// source too, so a paragraph broken for the source file's sake prints ragged. This joins each
/// paragraph back into one line; blank lines and indented lines (examples) stay as written.
func helpText(_ text: String) -> String {
    var lines: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if let last = lines.last, !last.isEmpty, !line.isEmpty, !last.hasPrefix(" "), !line.hasPrefix(" ") {
            lines[lines.count - 1] = last + " " + line
        } else {
            lines.append(String(line))
        }
    }
    return lines.joined(separator: "\n")
}
