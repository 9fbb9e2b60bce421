/// One record of /var/run/utmp, read from the file directly (glibc's 384-byte `struct utmp`
/// on 64-bit Linux, with 32-bit time fields) so that tests can point at a fixture file.
struct UtmpRecord: Equatable {
    static let size = 384
    static let userProcess: Int16 = 7

    var type: Int16
    var user: String
    var time: Double

    static func parse(_ data: [UInt8]) -> [UtmpRecord] {
        stride(from: 0, to: data.count - size + 1, by: size).map { offset in
            let record = data[offset..<(offset + size)]
            func int32(_ at: Int) -> Int32 {
                let b = record[(offset + at)..<(offset + at + 4)].map(Int32.init)
                return b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24
            }
            let type = Int16(record[offset]) | Int16(record[offset + 1]) << 8
            let userBytes = record[(offset + 44)..<(offset + 76)].prefix { $0 != 0 }
            let seconds = Double(UInt32(bitPattern: int32(340)))
            let micros = Double(int32(344))
            return UtmpRecord(type: type, user: String(decoding: userBytes, as: UTF8.self), time: seconds + micros / 1_000_000)
        }
    }

    /// The bytes of a record, for fixtures.
    static func encode(type: Int16, user: String, seconds: UInt32, micros: Int32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        bytes[0] = UInt8(truncatingIfNeeded: type)
        bytes[1] = UInt8(truncatingIfNeeded: type >> 8)
        for (i, b) in user.utf8.prefix(32).enumerated() { bytes[44 + i] = b }
        for i in 0..<4 {
            bytes[340 + i] = UInt8(truncatingIfNeeded: seconds >> (8 * UInt32(i)))
            bytes[344 + i] = UInt8(truncatingIfNeeded: micros >> (8 * Int32(i)))
        }
        return bytes
    }
}
