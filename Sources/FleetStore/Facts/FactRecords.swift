/// The kinds of fact fleetd keeps per VM, one span table each (migrations/0002_inventory.sql).
/// Coding keys name the columns; GRDB maps them (a decoding strategy would convert every column
/// name of every row, which made a 10,000-VM export six times slower).

/// The agent's version and the commands it has enabled (guest-info).
public struct AgentInfoFact: SpanFact {
    public static let table = "agent_info"
    enum CodingKeys: String, CodingKey { case version, enabledCommands = "enabled_commands" }
    public var anyFact: AnyFact { .agent(self) }
    public var version: String
    /// A JSON column.
    public var enabledCommands: [String]
    public init(version: String, enabledCommands: [String]) {
        self.version = version
        self.enabledCommands = enabledCommands
    }
}

/// guest-get-osinfo.
public struct OSInfoFact: SpanFact {
    public static let table = "os_info"
    enum CodingKeys: String, CodingKey { case osId = "os_id", name, prettyName = "pretty_name", version, versionId = "version_id", variant, variantId = "variant_id", kernelRelease = "kernel_release", kernelVersion = "kernel_version", machine }
    public var anyFact: AnyFact { .os(self) }
    public var osId: String?
    public var name: String?
    public var prettyName: String?
    public var version: String?
    public var versionId: String?
    public var variant: String?
    public var variantId: String?
    public var kernelRelease: String?
    public var kernelVersion: String?
    public var machine: String?
    public init(osId: String? = nil, name: String? = nil, prettyName: String? = nil, version: String? = nil, versionId: String? = nil,
                variant: String? = nil, variantId: String? = nil, kernelRelease: String? = nil, kernelVersion: String? = nil,
                machine: String? = nil) {
        self.osId = osId
        self.name = name
        self.prettyName = prettyName
        self.version = version
        self.versionId = versionId
        self.variant = variant
        self.variantId = variantId
        self.kernelRelease = kernelRelease
        self.kernelVersion = kernelVersion
        self.machine = machine
    }

    /// The line listings show: the pretty name, else name and version, else the id.
    public var summary: String? {
        if let prettyName, !prettyName.isEmpty { return prettyName }
        let parts = [name, version].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? osId : parts.joined(separator: " ")
    }
}

public struct HostNameFact: SpanFact {
    public static let table = "host_name"
    enum CodingKeys: String, CodingKey { case hostName = "host_name" }
    public var anyFact: AnyFact { .hostName(self) }
    public var hostName: String
    public init(hostName: String) { self.hostName = hostName }
}

public struct TimezoneFact: SpanFact {
    public static let table = "timezone"
    enum CodingKeys: String, CodingKey { case zone, offsetSeconds = "offset_seconds" }
    public var anyFact: AnyFact { .timezone(self) }
    public var zone: String?
    public var offsetSeconds: Int64
    public init(zone: String?, offsetSeconds: Int64) {
        self.zone = zone
        self.offsetSeconds = offsetSeconds
    }
}

public struct InterfaceFact: SpanFact {
    public static let table = "interface"
    enum CodingKeys: String, CodingKey { case name, hardwareAddress = "hardware_address" }
    public var anyFact: AnyFact { .interface(self) }
    public var name: String
    public var hardwareAddress: String?
    public init(name: String, hardwareAddress: String?) {
        self.name = name
        self.hardwareAddress = hardwareAddress
    }
}

public enum AddressFamily: String, Codable, Sendable, Hashable {
    case ipv4, ipv6
}

public struct AddressFact: SpanFact {
    public static let table = "address"
    public var anyFact: AnyFact { .address(self) }
    public var interface: String
    public var address: String
    public var family: AddressFamily
    public var prefix: Int64
    public init(interface: String, address: String, family: AddressFamily, prefix: Int64) {
        self.interface = interface
        self.address = address
        self.family = family
        self.prefix = prefix
    }

    /// Loopback and IPv6 link-local addresses say nothing about where a VM is.
    public var isMain: Bool {
        !(interface == "lo" || address.hasPrefix("127.") || address == "::1" || address.lowercased().hasPrefix("fe80:"))
    }

    public var cidr: String { "\(address)/\(prefix)" }
}

public struct FilesystemFact: SpanFact {
    public static let table = "filesystem"
    public var anyFact: AnyFact { .filesystem(self) }
    public var mountpoint: String
    public var device: String
    public var type: String
    /// The JSON array of GuestDiskAddress exactly as the agent sent it (QGA's shape, which the
    /// store does not interpret).
    public var disks: String
    public init(mountpoint: String, device: String, type: String, disks: String) {
        self.mountpoint = mountpoint
        self.device = device
        self.type = type
        self.disks = disks
    }
}

public struct VcpuFact: SpanFact {
    public static let table = "vcpu"
    enum CodingKeys: String, CodingKey { case logicalId = "logical_id", online, canOffline = "can_offline" }
    public var anyFact: AnyFact { .vcpu(self) }
    public var logicalId: Int64
    public var online: Bool
    public var canOffline: Bool?
    public init(logicalId: Int64, online: Bool, canOffline: Bool?) {
        self.logicalId = logicalId
        self.online = online
        self.canOffline = canOffline
    }
}

public struct MemoryFact: SpanFact {
    public static let table = "memory"
    enum CodingKeys: String, CodingKey { case blockSize = "block_size", blocks, blocksOnline = "blocks_online" }
    public var anyFact: AnyFact { .memory(self) }
    public var blockSize: Int64
    public var blocks: Int64?
    public var blocksOnline: Int64?
    public init(blockSize: Int64, blocks: Int64?, blocksOnline: Int64?) {
        self.blockSize = blockSize
        self.blocks = blocks
        self.blocksOnline = blocksOnline
    }

    /// Bytes online, when the agent listed its blocks.
    public var onlineBytes: Int64? { blocksOnline.map { $0 * blockSize } }
}

public struct UserSessionFact: SpanFact {
    public static let table = "user_session"
    enum CodingKeys: String, CodingKey { case userName = "user_name", domain, loginTime = "login_time" }
    public var anyFact: AnyFact { .user(self) }
    public var userName: String
    public var domain: String?
    public var loginTime: Double
    public init(userName: String, domain: String?, loginTime: Double) {
        self.userName = userName
        self.domain = domain
        self.loginTime = loginTime
    }
}

/// Guest clock minus host clock, rounded to 100 ms.
public struct ClockDriftFact: SpanFact {
    public static let table = "clock_drift"
    enum CodingKeys: String, CodingKey { case driftMs = "drift_ms" }
    public var anyFact: AnyFact { .clockDrift(self) }
    public var driftMs: Int64
    public init(driftMs: Int64) { self.driftMs = driftMs }
}
