import FleetTestSupport
import Foundation
import Yams

/// Independent readers for fleetctl's output formats: Python's csv module for CSV, Yams for
/// YAML, Foundation for JSON.
enum Parsers {
    static func csv(_ text: String) throws -> [[String: String]] {
        let script = "import csv, json, sys; print(json.dumps(list(csv.DictReader(sys.stdin))))"
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script], input: Data(text.utf8))
        guard result.status == 0 else { throw TestFailure("python csv failed: \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: result.stdout) as? [[String: String]] ?? []
    }

    static func csvHeader(_ text: String) -> [String] {
        String(text.split(separator: "\n").first ?? "").split(separator: ",").map(String.init)
    }

    static func yaml(_ text: String) throws -> Any? {
        try Yams.load(yaml: text)
    }

    static func json(_ data: Data) throws -> Any {
        try JSONSerialization.jsonObject(with: data)
    }

    static func ndjson(_ data: Data) throws -> [[String: Any]] {
        try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }
}
