/// Turns the text of scalar tokens into values, with the rules and error texts of QEMU's JSON
/// parser (qobject/json-parser.c): exact 64-bit integers, escapes including `\'` and surrogate
/// pairs, and QEMU's idea of a valid Unicode character.
enum JSONScalars {
    /// An integer token is `Int64` when it fits, else `UInt64` when it is non-negative and fits,
    /// else a `Double` (QEMU's order). A token with a fraction or exponent is a `Double`.
    static func number(_ text: ArraySlice<UInt8>, isInteger: Bool) -> JSONValue {
        if isInteger {
            let negative = text.first == UInt8(ascii: "-")
            var magnitude: UInt64 = 0
            var overflow = false
            for byte in text.dropFirst(negative ? 1 : 0) {
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(byte &- 0x30))
                if o1 || o2 { overflow = true; break }
                magnitude = sum
            }
            if !overflow {
                if negative {
                    if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
                    if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
                } else {
                    return .integer(magnitude)
                }
            }
        }
        // The lexer only lets through what JSON calls a number, which Swift's parser accepts.
        return .double(Double(String(decoding: text, as: UTF8.self)) ?? .nan)
    }

    static func keyword(_ text: ArraySlice<UInt8>) -> Result<JSONValue, QGAStreamError> {
        switch String(decoding: text, as: UTF8.self) {
        case "true": return .success(.bool(true))
        case "false": return .success(.bool(false))
        case "null": return .success(.null)
        case let other: return .failure(.syntax("invalid keyword '\(other)'"))
        }
    }

    /// QEMU refuses surrogates, code points above U+10FFFF and the noncharacters
    /// (U+FDD0...U+FDEF and the last two of every plane), both as escapes and as raw UTF-8.
    static func isValidCharacter(_ cp: UInt32) -> Bool {
        if cp > 0x10FFFF { return false }
        if cp >= 0xD800 && cp <= 0xDFFF { return false }
        if cp & 0xFFFE == 0xFFFE { return false }
        if cp >= 0xFDD0 && cp <= 0xFDEF { return false }
        return true
    }

    /// `token` is the whole string token, quotes included.
    static func string(_ token: ArraySlice<UInt8>) -> Result<String, QGAStreamError> {
        let body = token.dropFirst().dropLast()
        // Fast path: printable ASCII without escapes needs no work beyond copying.
        if !body.contains(where: { $0 == 0x5C || $0 >= 0x80 }) {
            return .success(String(decoding: body, as: UTF8.self))
        }
        var scalars = String.UnicodeScalarView()
        var i = token.startIndex + 1
        let end = token.endIndex - 1  // index of the closing quote
        while i < end {
            let byte = token[i]
            if byte == 0x5C {
                switch unescape(token, at: i, end: end) {
                case .success(let (scalar, next)):
                    scalars.append(scalar)
                    i = next
                case .failure(let error):
                    return .failure(error)
                }
            } else if byte < 0x80 {
                scalars.append(Unicode.Scalar(byte))
                i += 1
            } else {
                guard let (scalar, next) = decodeUTF8(token, at: i, end: end) else {
                    return .failure(.syntax("invalid UTF-8 sequence in string"))
                }
                scalars.append(scalar)
                i = next
            }
        }
        return .success(String(scalars))
    }

    /// One escape starting at the backslash at `i`; returns the scalar and the index after it.
    private static func unescape(
        _ token: ArraySlice<UInt8>, at i: Int, end: Int
    ) -> Result<(Unicode.Scalar, Int), QGAStreamError> {
        let invalidEscape = QGAStreamError.syntax("invalid escape sequence in string")
        guard i + 1 < end else { return .failure(invalidEscape) }
        let simple: UInt8?
        switch token[i + 1] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "'"): simple = 0x27
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: return .failure(invalidEscape)
        }
        if let simple { return .success((Unicode.Scalar(simple), i + 2)) }

        switch hex4(token, at: i + 2) {
        case .failure(let failedAt):
            // QEMU quotes the escape up to and including the character that is not hex.
            return .failure(notValid(token[i...min(failedAt.index, token.endIndex - 1)]))
        case .success(let unit):
            var codePoint = UInt32(unit)
            var next = i + 6
            if unit >= 0xD800 && unit <= 0xDBFF,
                next + 1 < end, token[next] == 0x5C, token[next + 1] == UInt8(ascii: "u"),
                case .success(let low) = hex4(token, at: next + 2), low >= 0xDC00 && low <= 0xDFFF
            {
                codePoint = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                next += 6
            }
            guard isValidCharacter(codePoint), let scalar = Unicode.Scalar(codePoint) else {
                return .failure(notValid(token[i..<(i + 6)]))
            }
            return .success((scalar, next))
        }
    }

    private static func notValid(_ text: ArraySlice<UInt8>) -> QGAStreamError {
        .syntax("\(String(decoding: text, as: UTF8.self)) is not a valid Unicode character")
    }

    /// Four hex digits at `at`; on failure, the index of the first byte that is not one.
    private static func hex4(_ token: ArraySlice<UInt8>, at start: Int) -> Result<UInt16, HexFailure> {
        var value: UInt16 = 0
        for offset in 0..<4 {
            let index = start + offset
            guard index < token.endIndex else { return .failure(HexFailure(index: index)) }
            let byte = token[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return .failure(HexFailure(index: index))
            }
            value = value << 4 | UInt16(digit)
        }
        return .success(value)
    }

    private struct HexFailure: Error { var index: Int }

    /// Decodes one raw UTF-8 character. QEMU reads "modified UTF-8", so the overlong `C0 80`
    /// is accepted as U+0000; every other overlong form, surrogate or noncharacter is refused.
    private static func decodeUTF8(_ bytes: ArraySlice<UInt8>, at i: Int, end: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[i]
        let length: Int
        var cp: UInt32
        switch lead {
        case 0xC0...0xDF: length = 2; cp = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; cp = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; cp = UInt32(lead & 0x07)
        default: return nil
        }
        guard i + length <= end else { return nil }
        for k in 1..<length {
            let cont = bytes[i + k]
            guard cont & 0xC0 == 0x80 else { return nil }
            cp = cp << 6 | UInt32(cont & 0x3F)
        }
        if lead == 0xC0 && bytes[i + 1] == 0x80 { return (Unicode.Scalar(0), i + 2) }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard cp >= minimum, isValidCharacter(cp), let scalar = Unicode.Scalar(cp) else { return nil }
        return (scalar, i + length)
    }
}
