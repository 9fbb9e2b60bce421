import Foundation

/// An IPv4 or IPv6 address or CIDR block (`10.0.0.0/8`, `fd00::/8`, `10.0.2.15`).
struct IPNetwork: Sendable, Equatable {
    var bytes: [UInt8]
    var prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let bytes = Self.parse(String(first)) else { return nil }
        self.bytes = bytes
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...bytes.count * 8).contains(prefix) else { return nil }
            self.prefix = prefix
        } else {
            self.prefix = bytes.count * 8
        }
    }

    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    func contains(_ address: String) -> Bool {
        guard let other = Self.parse(address), other.count == bytes.count else { return false }
        var remaining = prefix
        for index in bytes.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if bytes[index] & mask != other[index] & mask { return false }
            remaining -= bits
        }
        return true
    }
}
