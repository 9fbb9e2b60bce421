import FleetAPIModel
import Foundation
import QGA
import Yams

/// Renders rows (JSON objects) in each output format.
struct Renderer {
    var format: OutputFormat
    var columns: [Column]
    var colour: Bool

    init(format: OutputFormat, defaultColumns: [Column], chosen: [String]?, colour: Bool = Terminal.isColourCapable) {
        self.format = format
        self.colour = colour
        if let chosen {
            let known = Dictionary(defaultColumns.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            columns = chosen.map { known[$0] ?? Column($0) }
        } else {
            columns = defaultColumns
        }
    }

    func render(_ rows: [JSONObject], projected: Bool) -> String {
        let shown = projected ? rows.map(project) : rows
        switch format {
        case .json: return JSONPretty.string(.array(shown.map(JSONValue.object))) + "\n"
        case .ndjson: return shown.map { JSONWriter(style: .compact).string(.object($0)) + "\n" }.joined()
        case .yaml: return YAMLOutput.string(.array(shown.map(JSONValue.object)))
        case .csv: return CSVText.string(header: columns.map(\.key), rows: rows.map { row in columns.map { CellText.machine(row[$0.key]) } })
        case .table: return TableOutput.string(columns: columns, rows: rows, colour: colour)
        }
    }

    /// A single object (show, whoami): json and yaml as they are; other formats as one row.
    func render(object: JSONObject) -> String {
        switch format {
        case .json: return JSONPretty.string(.object(object)) + "\n"
        case .yaml: return YAMLOutput.string(.object(object))
        case .ndjson: return JSONWriter(style: .compact).string(.object(object)) + "\n"
        case .csv, .table: return render([object], projected: false)
        }
    }

    /// With --columns, machine formats keep only the chosen members.
    func project(_ row: JSONObject) -> JSONObject {
        JSONObject(columns.map { JSONObject.Member(key: $0.key, value: row[$0.key] ?? .null) })
    }
}

enum Terminal {
    static var isColourCapable: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }
}
