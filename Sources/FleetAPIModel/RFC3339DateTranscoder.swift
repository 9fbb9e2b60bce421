import Foundation
import OpenAPIRuntime

/// RFC 3339 times for the control API: written as `2026-11-22T07:45:12.345Z`, read with or
/// without a fraction and with `Z` or a numeric offset (all RFC 3339).
/// Hand-written because listings carry thousands of times and Foundation's ISO 8601 formatters
/// cost tens of microseconds each on Linux — most of `fleetctl status`'s time at 1,000 VMs.
public struct RFC3339DateTranscoder: DateTranscoder {
    public init() {}

    public func encode(_ date: Date) throws -> String { Self.string(date) }

    public func decode(_ string: String) throws -> Date {
        guard let date = Self.date(string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "'\(string)' is not an RFC 3339 time"))
        }
        return date
    }

    public static func string(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        let fraction = Int(millis - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))Z"
    }

    public static func date(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int32? {
            guard from + count <= b.count else { return nil }
            var value: Int32 = 0
            for byte in b[from..<(from + count)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int32(byte - 0x30)
            }
            return value
        }
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20,
              b[13] == 0x3A, b[16] == 0x3A,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < b.count, b[index] == 0x2E {
            index += 1
            // Digits as an integer over a power of ten: exact for milliseconds.
            var digits = 0.0, scale = 1.0
            let start = index
            while index < b.count, b[index] >= 0x30, b[index] <= 0x39 {
                if index - start < 15 {
                    digits = digits * 10 + Double(b[index] - 0x30)
                    scale *= 10
                }
                index += 1
            }
            guard index > start else { return nil }
            fraction = digits / scale
        }
        guard index < b.count else { return nil }
        var offset = 0
        if b[index] == 0x5A || b[index] == 0x7A {
            index += 1
        } else if b[index] == 0x2B || b[index] == 0x2D, let h = number(index + 1, 2), index + 3 < b.count, b[index + 3] == 0x3A,
                  let m = number(index + 4, 2) {
            offset = Int(h) * 3600 + Int(m) * 60
            if b[index] == 0x2D { offset = -offset }
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = timegm(&parts)
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }
}

extension Configuration {
    /// The configuration both fleetd and fleetctl use.
    public static var fleet: Configuration { Configuration(dateTranscoder: RFC3339DateTranscoder()) }
}
