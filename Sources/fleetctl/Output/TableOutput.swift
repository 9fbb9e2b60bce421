import QGA

/// An aligned text table; states coloured when writing to a terminal.
enum TableOutput {
    static func string(columns: [Column], rows: [JSONObject], colour: Bool) -> String {
        let cells = rows.map { row in columns.map { CellText.human(row[$0.key], $0.kind) } }
        var widths = columns.map { $0.header.count }
        for row in cells {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var out = ""
        func line(_ fields: [String], painted: [String]? = nil) {
            var text = ""
            for (index, field) in fields.enumerated() {
                let shown = painted?[index] ?? field
                let isLast = index == fields.count - 1
                text += isLast ? shown : shown + String(repeating: " ", count: widths[index] - field.count + 2)
            }
            out += text + "\n"
        }
        line(columns.map(\.header))
        for row in cells {
            let painted = colour ? zip(columns, row).map { $0.kind == .state ? paint($1) : $1 } : nil
            line(row, painted: painted)
        }
        return out
    }

    static func paint(_ state: String) -> String {
        let code: String
        switch state {
        case "responsive": code = "32"
        case "frozen": code = "36"
        case "unresponsive", "flapping": code = "31"
        case "gone", "disabled", "stopped": code = "90"
        case "locked", "paused": code = "35"
        default: code = "33"
        }
        return "\u{1B}[\(code)m\(state)\u{1B}[0m"
    }
}
