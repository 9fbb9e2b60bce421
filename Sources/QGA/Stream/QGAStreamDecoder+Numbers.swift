/// The lexer's character classes: digits, the number grammar's phases, and where a lexical
/// error's recovery ends.
extension QGAStreamDecoder {
    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    static func numberTransition(_ phase: NumberPhase, _ b: UInt8) -> NumberPhase? {
        let digit = isDigit(b)
        let exponent = b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
        switch phase {
        case .minus: return b == UInt8(ascii: "0") ? .zero : digit ? .integer : nil
        case .zero: return b == UInt8(ascii: ".") ? .dot : exponent ? .exponentMark : nil
        case .integer: return digit ? .integer : b == UInt8(ascii: ".") ? .dot : exponent ? .exponentMark : nil
        case .dot: return digit ? .fraction : nil
        case .fraction: return digit ? .fraction : exponent ? .exponentMark : nil
        case .exponentMark:
            return digit ? .exponent : (b == UInt8(ascii: "+") || b == UInt8(ascii: "-")) ? .exponentSign : nil
        case .exponentSign, .exponent: return digit ? .exponent : nil
        }
    }

    static func numberCanEnd(_ phase: NumberPhase) -> Bool {
        switch phase {
        case .zero, .integer, .fraction, .exponent: return true
        case .minus, .dot, .exponentMark, .exponentSign: return false
        }
    }

    /// QEMU resynchronises on structural characters, control characters other than tab, and
    /// the bytes that can never occur in UTF-8.
    static func endsRecovery(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"): return true
        case 0x09: return false
        case 0..<0x20, 0xFE, 0xFF: return true
        default: return false
        }
    }
}
