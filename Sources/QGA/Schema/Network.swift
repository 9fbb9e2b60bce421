// guest-network-get-interfaces, guest-network-get-route.

public struct GuestIpAddressType: QAPIOpenEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let ipv4: Self = "ipv4"
    public static let ipv6: Self = "ipv6"
}

public struct GuestIpAddress: Codable, Hashable, Sendable {
    public var ipAddress: String
    public var ipAddressType: GuestIpAddressType
    public var prefix: Int64

    public init(ipAddress: String, ipAddressType: GuestIpAddressType, prefix: Int64) {
        self.ipAddress = ipAddress
        self.ipAddressType = ipAddressType
        self.prefix = prefix
    }

    enum CodingKeys: String, CodingKey {
        case ipAddress = "ip-address"
        case ipAddressType = "ip-address-type"
        case prefix
    }
}

/// Counters from /proc/net/dev (QEMU 2.11+).
public struct GuestNetworkInterfaceStat: Codable, Hashable, Sendable {
    public var rxBytes: UInt64
    public var rxPackets: UInt64
    public var rxErrs: UInt64
    public var rxDropped: UInt64
    public var txBytes: UInt64
    public var txPackets: UInt64
    public var txErrs: UInt64
    public var txDropped: UInt64

    public init(
        rxBytes: UInt64, rxPackets: UInt64, rxErrs: UInt64, rxDropped: UInt64,
        txBytes: UInt64, txPackets: UInt64, txErrs: UInt64, txDropped: UInt64
    ) {
        self.rxBytes = rxBytes
        self.rxPackets = rxPackets
        self.rxErrs = rxErrs
        self.rxDropped = rxDropped
        self.txBytes = txBytes
        self.txPackets = txPackets
        self.txErrs = txErrs
        self.txDropped = txDropped
    }

    enum CodingKeys: String, CodingKey {
        case rxBytes = "rx-bytes", rxPackets = "rx-packets", rxErrs = "rx-errs", rxDropped = "rx-dropped"
        case txBytes = "tx-bytes", txPackets = "tx-packets", txErrs = "tx-errs", txDropped = "tx-dropped"
    }
}

public struct GuestNetworkInterface: Codable, Hashable, Sendable {
    public var name: String
    public var hardwareAddress: String?
    public var ipAddresses: [GuestIpAddress]?
    public var statistics: GuestNetworkInterfaceStat?

    public init(
        name: String, hardwareAddress: String? = nil, ipAddresses: [GuestIpAddress]? = nil,
        statistics: GuestNetworkInterfaceStat? = nil
    ) {
        self.name = name
        self.hardwareAddress = hardwareAddress
        self.ipAddresses = ipAddresses
        self.statistics = statistics
    }

    enum CodingKeys: String, CodingKey {
        case name
        case hardwareAddress = "hardware-address"
        case ipAddresses = "ip-addresses"
        case statistics
    }
}

/// One row of the routing table (QEMU 9.1's guest-network-get-route): IPv4 rows come from
/// /proc/net/route, IPv6 rows from /proc/net/ipv6_route.
public struct GuestNetworkRoute: Codable, Hashable, Sendable {
    public var iface: String
    public var destination: String
    public var metric: Int64
    public var gateway: String?
    public var mask: String?
    public var irtt: Int64?
    public var flags: UInt64?
    public var refcnt: Int64?
    public var use: Int64?
    public var window: Int64?
    public var mtu: Int64?
    public var desprefixlen: String?
    public var source: String?
    public var srcprefixlen: String?
    public var nexthop: String?
    /// 4 or 6.
    public var version: Int64

    public init(
        iface: String, destination: String, metric: Int64, version: Int64,
        gateway: String? = nil, mask: String? = nil, irtt: Int64? = nil, flags: UInt64? = nil,
        refcnt: Int64? = nil, use: Int64? = nil, window: Int64? = nil, mtu: Int64? = nil,
        desprefixlen: String? = nil, source: String? = nil, srcprefixlen: String? = nil,
        nexthop: String? = nil
    ) {
        self.iface = iface
        self.destination = destination
        self.metric = metric
        self.gateway = gateway
        self.mask = mask
        self.irtt = irtt
        self.flags = flags
        self.refcnt = refcnt
        self.use = use
        self.window = window
        self.mtu = mtu
        self.desprefixlen = desprefixlen
        self.source = source
        self.srcprefixlen = srcprefixlen
        self.nexthop = nexthop
        self.version = version
    }
}
