import FleetAPIModel
import Foundation
import QGA

/// One value as a cell: exact for machines (csv), readable for people (table).
enum CellText {
    /// Scalars as they are; lists joined with spaces; objects as compact JSON; null empty.
    static func machine(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        switch value {
        case .null: return ""
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return items.map { machine($0) }.joined(separator: " ")
        case .object: return JSONWriter(style: .compact).string(value)
        default: return JSONWriter(style: .compact).string(value)
        }
    }

    static func human(_ value: JSONValue?, _ kind: Column.Kind, now: Date = Date()) -> String {
        guard let value, !value.isNull else { return "-" }
        switch kind {
        case .time:
            guard let text = value.stringValue, let date = RFC3339.date(text) else { return machine(value) }
            return relative(date, now: now)
        case .micros:
            guard let micros = value.int64Value else { return machine(value) }
            return micros < 1000 ? "\(micros)µs" : micros < 1_000_000 ? String(format: "%.1fms", Double(micros) / 1000) : String(format: "%.2fs", Double(micros) / 1e6)
        case .bytes:
            guard let bytes = value.int64Value else { return machine(value) }
            return ByteCount.human(bytes)
        case .text, .state:
            let text = machine(value)
            return text.isEmpty ? "-" : text
        }
    }

    /// "12s ago", "5m ago", "3h ago", "2d ago" (and "in 4s" for the future).
    static func relative(_ date: Date, now: Date = Date()) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded())
        let magnitude = abs(seconds)
        let text: String
        switch magnitude {
        case ..<60: text = "\(magnitude)s"
        case ..<3600: text = "\(magnitude / 60)m"
        case ..<86400: text = "\(magnitude / 3600)h"
        default: text = "\(magnitude / 86400)d"
        }
        return seconds >= 0 ? "\(text) ago" : "in \(text)"
    }
}

enum ByteCount {
    static func human(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

enum RFC3339 {
    static func date(_ text: String) -> Date? {
        RFC3339DateTranscoder.date(text)
    }
}
