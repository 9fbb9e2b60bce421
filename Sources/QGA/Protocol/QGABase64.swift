/// Base64 as qemu-ga reads and writes it.
///
/// Reading is qemu-ga's two steps: first refuse any character outside the alphabet, `=` and
/// newline ("Base64 data contains invalid characters"), then decode the way GLib does —
/// complete groups of four only, `=` counted as padding wherever it stands, a trailing partial
/// group dropped. So "aGk" decodes to nothing and "aGk=aGk=" to "hihi", exactly as in qemu-ga.
public enum QGABase64 {
    public static let invalidCharacters = QGAError.generic("Base64 data contains invalid characters")

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let ranks: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, char) in alphabet.enumerated() { table[Int(char)] = UInt8(value) }
        table[Int(UInt8(ascii: "="))] = 0
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(b1 == nil ? UInt8(ascii: "=") : alphabet[Int(n >> 6 & 63)])
            out.append(b2 == nil ? UInt8(ascii: "=") : alphabet[Int(n & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) throws(QGAError) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count / 4 * 3)
        var accumulator: UInt32 = 0
        var count = 0
        var previous: UInt8 = 0
        var beforePrevious: UInt8 = 0
        for char in text.utf8 {
            if char == UInt8(ascii: "\n") { continue }
            let rank = ranks[Int(char)]
            if rank == 0xFF { throw invalidCharacters }
            accumulator = accumulator << 6 | UInt32(rank)
            beforePrevious = previous
            previous = char
            count += 1
            if count == 4 {
                out.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                if beforePrevious != UInt8(ascii: "=") { out.append(UInt8(truncatingIfNeeded: accumulator >> 8)) }
                if previous != UInt8(ascii: "=") { out.append(UInt8(truncatingIfNeeded: accumulator)) }
                count = 0
                accumulator = 0
            }
        }
        return out
    }
}
