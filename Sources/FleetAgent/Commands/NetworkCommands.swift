#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxSupport
import QGA

/// guest-network-get-interfaces (getifaddrs + SIOCGIFHWADDR + /proc/net/dev) and
/// guest-network-get-route (/proc/net/route and /proc/net/ipv6_route).
enum NetworkCommands {
    static func register(_ registry: inout CommandRegistry) {
        registry.register(GuestNetworkGetInterfacesCommand.self) { _, context throws(QGAError) in
            try interfaces(procNetDev: context.system.path("/proc/net/dev"))
        }
        registry.register(GuestNetworkGetRouteCommand.self) { _, context in
            routes(context.system)
        }
    }

    static func interfaces(procNetDev: String) throws(QGAError) -> [GuestNetworkInterface] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { throw .generic("getifaddrs failed: \(SystemError())") }
        defer { freeifaddrs(list) }
        let sock = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { if sock >= 0 { close(sock) } }
        let counters = statistics(procNetDev)

        var result: [GuestNetworkInterface] = []
        var position: [String: Int] = [:]
        var entry = list
        while let current = entry {
            defer { entry = current.pointee.ifa_next }
            let name = String(cString: current.pointee.ifa_name)
            let index: Int
            if let known = position[name] {
                index = known
            } else {
                var interface = GuestNetworkInterface(name: name)
                var mac = [UInt8](repeating: 0, count: 6)
                if sock >= 0, fleet_get_hwaddr(sock, current.pointee.ifa_name, &mac) == 0 {
                    interface.hardwareAddress = mac.map { byte in
                        let hex = String(byte, radix: 16)
                        return hex.count == 1 ? "0" + hex : hex
                    }.joined(separator: ":")
                }
                result.append(interface)
                index = result.count - 1
                position[name] = index
            }
            guard let address = current.pointee.ifa_addr else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            let text = addressText(address)
            let prefix = current.pointee.ifa_netmask.map(prefixLength) ?? 0
            result[index].ipAddresses = (result[index].ipAddresses ?? []) + [
                GuestIpAddress(ipAddress: text, ipAddressType: family == AF_INET ? .ipv4 : .ipv6, prefix: prefix),
            ]
            // qemu-ga reports counters only for interfaces that have an address.
            if result[index].statistics == nil { result[index].statistics = counters[name] }
        }
        return result
    }

    static func addressText(_ address: UnsafeMutablePointer<sockaddr>) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        if Int32(address.pointee.sa_family) == AF_INET {
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                var raw = v4.pointee.sin_addr
                _ = inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count))
            }
        } else {
            address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                var raw = v6.pointee.sin6_addr
                _ = inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
            }
        }
        return String(cBuffer: buffer)
    }

    /// Number of leading one bits in a netmask.
    static func prefixLength(_ mask: UnsafeMutablePointer<sockaddr>) -> Int64 {
        let bytes: [UInt8]
        if Int32(mask.pointee.sa_family) == AF_INET6 {
            bytes = mask.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) } }
        } else {
            bytes = mask.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) } }
        }
        return Int64(bytes.reduce(0) { $0 + $1.nonzeroBitCount })
    }

    /// /proc/net/dev: `name: rx-bytes rx-packets rx-errs rx-drop fifo frame compressed multicast
    /// tx-bytes tx-packets tx-errs tx-drop ...`.
    static func statistics(_ path: String) -> [String: GuestNetworkInterfaceStat] {
        guard let text = try? FileIO.readText(path) else { return [:] }
        var result: [String: GuestNetworkInterfaceStat] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingWhitespace()
            let v = line[line.index(after: colon)...].fields.compactMap { UInt64($0) }
            guard v.count >= 12 else { continue }
            result[name] = GuestNetworkInterfaceStat(
                rxBytes: v[0], rxPackets: v[1], rxErrs: v[2], rxDropped: v[3],
                txBytes: v[8], txPackets: v[9], txErrs: v[10], txDropped: v[11])
        }
        return result
    }

    static func routes(_ system: LinuxSystem) -> [GuestNetworkRoute] {
        var result: [GuestNetworkRoute] = []
        if let text = try? FileIO.readText(system.path("/proc/net/route")) {
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.fields
                guard f.count >= 11, let destination = UInt32(f[1], radix: 16), let gateway = UInt32(f[2], radix: 16),
                    let flags = UInt64(f[3], radix: 16), let mask = UInt32(f[7], radix: 16)
                else { continue }
                result.append(GuestNetworkRoute(
                    iface: String(f[0]), destination: ipv4(destination), metric: Int64(f[6]) ?? 0, version: 4,
                    gateway: ipv4(gateway), mask: ipv4(mask), irtt: Int64(f[10]), flags: flags,
                    refcnt: Int64(f[4]), use: Int64(f[5]), window: Int64(f[9]), mtu: Int64(f[8])))
            }
        }
        if let text = try? FileIO.readText(system.path("/proc/net/ipv6_route")) {
            for line in text.split(separator: "\n") {
                let f = line.fields
                guard f.count >= 10, let destPrefix = UInt8(f[1], radix: 16), let srcPrefix = UInt8(f[3], radix: 16),
                    let metric = UInt32(f[5], radix: 16), let flags = UInt64(f[8], radix: 16)
                else { continue }
                result.append(GuestNetworkRoute(
                    iface: String(f[9]), destination: ipv6(f[0]), metric: Int64(metric), version: 6,
                    flags: flags, refcnt: Int64(f[6], radix: 16), use: Int64(f[7], radix: 16),
                    desprefixlen: String(destPrefix), source: ipv6(f[2]), srcprefixlen: String(srcPrefix),
                    nexthop: ipv6(f[4])))
            }
        }
        return result
    }

    /// /proc/net/route writes addresses as host-order (little-endian) hex.
    static func ipv4(_ value: UInt32) -> String {
        "\(value & 0xFF).\(value >> 8 & 0xFF).\(value >> 16 & 0xFF).\(value >> 24)"
    }

    static func ipv6(_ hex: Substring) -> String {
        var raw = in6_addr()
        let bytes = stride(from: 0, to: min(hex.count, 32), by: 2).compactMap { offset -> UInt8? in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)
        }
        guard bytes.count == 16 else { return String(hex) }
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        _ = inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
        return String(cBuffer: buffer)
    }
}
