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

/// Where a YAML document reads back with another shape than the JSON of the same data: a
/// member whose type changed (an RFC 3339 time read as a timestamp, "12" read as a number, "no"
/// as a boolean) or that is missing. Values are not compared: the two are read from a live
/// fleetd a moment apart. Empty when every member has the same type in both.
enum SameData {
    static func differences(json: Any, yaml: Any?, at path: String = "$") -> [String] {
        switch json {
        case let object as [String: Any]:
            guard let other = yaml as? [String: Any] else { return ["\(path): object became \(kind(yaml))"] }
            var found = Set(object.keys) == Set(other.keys) ? [] : ["\(path): members \(object.keys.sorted()) vs \(other.keys.sorted())"]
            for (key, value) in object { found += differences(json: value, yaml: other[key], at: "\(path).\(key)") }
            return found
        case let array as [Any]:
            guard let other = yaml as? [Any] else { return ["\(path): array became \(kind(yaml))"] }
            return zip(array, other).enumerated().flatMap { differences(json: $0.element.0, yaml: $0.element.1, at: "\(path)[\($0.offset)]") }
        case let text as String:
            return yaml is String ? [] : ["\(path): string '\(text)' became \(kind(yaml)) \(String(describing: yaml))"]
        case let number as NSNumber where String(cString: number.objCType) == "c":  // how Foundation boxes a JSON boolean
            return yaml is Bool ? [] : ["\(path): boolean became \(kind(yaml))"]
        case let number as NSNumber:
            return yaml is Int || yaml is Double ? [] : ["\(path): number \(number) became \(kind(yaml)) \(String(describing: yaml))"]
        case is NSNull:
            return yaml == nil || yaml is NSNull ? [] : ["\(path): null became \(kind(yaml))"]
        default:
            return ["\(path): unexpected JSON value \(json)"]
        }
    }

    static func kind(_ value: Any?) -> String {
        guard let value else { return "nothing" }
        return String(describing: type(of: value))
    }
}
