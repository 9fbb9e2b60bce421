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
        if let encoded = bytes.withContiguousStorageIfAvailable({ encode(buffer: UnsafeRawBufferPointer($0)) }) {
            return encoded
        }
        return Array(bytes).withUnsafeBytes { encode(buffer: $0) }
    }

    /// Works on raw memory: guest-file-read and guest-exec encode up to 48 MiB per reply.
    public static func encode(buffer input: UnsafeRawBufferPointer) -> String {
        let outputCount = (input.count + 2) / 3 * 4
        guard outputCount > 0 else { return "" }
        return String(unsafeUninitializedCapacity: outputCount) { output in
            alphabet.withUnsafeBufferPointer { table in
                var o = 0
                var i = 0
                let whole = input.count - input.count % 3
                while i < whole {
                    let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                    output[o] = table[Int(n >> 18)]
                    output[o + 1] = table[Int(n >> 12 & 63)]
                    output[o + 2] = table[Int(n >> 6 & 63)]
                    output[o + 3] = table[Int(n & 63)]
                    i += 3
                    o += 4
                }
                let rest = input.count - whole
                if rest > 0 {
                    let b1: UInt32 = rest == 2 ? UInt32(input[i + 1]) : 0
                    let n = UInt32(input[i]) << 16 | b1 << 8
                    output[o] = table[Int(n >> 18)]
                    output[o + 1] = table[Int(n >> 12 & 63)]
                    output[o + 2] = rest == 2 ? table[Int(n >> 6 & 63)] : UInt8(ascii: "=")
                    output[o + 3] = UInt8(ascii: "=")
                }
            }
            return outputCount
        }
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
