#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Serialises `JSONValue` on one line.
///
/// Two styles:
/// - `.compact`: no spaces, non-ASCII written as UTF-8, doubles in their shortest exact form.
///   What fleetd sends and what tools read most easily.
/// - `.qemu`: byte-for-byte what qemu-ga writes — `", "` and `": "` separators, every non-ASCII
///   character and DEL as an upper-case `\uXXXX` escape (surrogate pairs above U+FFFF), doubles
///   as C's `%.17g`. fleet-agent replies in this style so that it is indistinguishable on the wire.
public struct JSONWriter: Sendable {
    public enum Style: Sendable { case compact, qemu }

    public var style: Style

    public init(style: Style = .compact) { self.style = style }

    public func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(value, into: &out)
        return out
    }

    public func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// A QGA frame: the value followed by the newline qemu-ga ends every reply with.
    public func line(_ value: JSONValue) -> [UInt8] {
        var out = bytes(value)
        out.append(UInt8(ascii: "\n"))
        return out
    }

    public func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .uint(let u): out.append(contentsOf: String(u).utf8)
        case .double(let d): writeDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { writeSeparator(into: &out) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { writeSeparator(into: &out) }
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if style == .qemu { out.append(UInt8(ascii: " ")) }
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private func writeSeparator(into out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        if style == .qemu { out.append(UInt8(ascii: " ")) }
    }

    private func writeDouble(_ d: Double, into out: inout [UInt8]) {
        // JSON has no NaN or infinity; the parser never produces them, so only hand-built
        // values can carry one. `null` keeps the output parseable.
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        switch style {
        case .compact:
            var text = d.description
            // Swift prints 1.0 as "1.0" and 1e+20 as "1e+20": both valid JSON.
            if text.hasSuffix(".0") { text.removeLast(2) }
            out.append(contentsOf: text.utf8)
        case .qemu:
            out.append(contentsOf: Self.formatG17(d))
        }
    }

    private static func formatG17(_ d: Double) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 40)
        let count = withVaList([d]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%.17g", args) }
        }
        return buffer.prefix(Int(max(0, min(count, 39)))).map { UInt8(bitPattern: $0) }
    }

    private func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = s
        // Runs of bytes that need no escaping are copied in one go (base64 payloads are
        // megabytes of them); anything else goes through the per-character path.
        text.withUTF8 { utf8 in
            var runStart = 0
            var i = 0
            while i < utf8.count {
                let byte = utf8[i]
                if byte >= 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                if byte < 0x80 {
                    writeEscaped(Unicode.Scalar(byte), into: &out)
                    i += 1
                } else {
                    // One whole UTF-8 sequence (the String is valid UTF-8).
                    var end = i + 1
                    while end < utf8.count && utf8[end] & 0xC0 == 0x80 { end += 1 }
                    let scalars = String(decoding: UnsafeBufferPointer(rebasing: utf8[i..<end]), as: UTF8.self).unicodeScalars
                    for scalar in scalars { writeEscaped(scalar, into: &out) }
                    i = end
                }
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private func writeEscaped(_ scalar: Unicode.Scalar, into out: inout [UInt8]) {
        let v = scalar.value
        switch v {
        case 0x22: out.append(contentsOf: [0x5C, 0x22])  // \"
        case 0x5C: out.append(contentsOf: [0x5C, 0x5C])  // \\
        case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0..<0x20: Self.appendEscape(UInt16(v), into: &out)
        case 0x20..<0x7F: out.append(UInt8(v))
        default:
            if style == .compact {
                out.append(contentsOf: String(scalar).utf8)
            } else if v < 0x10000 {
                Self.appendEscape(UInt16(v), into: &out)
            } else {
                let offset = v - 0x10000
                Self.appendEscape(UInt16(0xD800 + (offset >> 10)), into: &out)
                Self.appendEscape(UInt16(0xDC00 + (offset & 0x3FF)), into: &out)
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func appendEscape(_ unit: UInt16, into out: inout [UInt8]) {
        out.append(0x5C)
        out.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
        }
    }
}
