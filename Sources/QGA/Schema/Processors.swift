// guest-get-vcpus, guest-set-vcpus, guest-get-memory-blocks, guest-set-memory-blocks,
// guest-get-memory-block-info, guest-get-cpustats, guest-get-load.

public struct GuestLogicalProcessor: Codable, Hashable, Sendable {
    public var logicalId: Int64
    public var online: Bool
    /// Always filled in by the agent; ignored on input.
    public var canOffline: Bool?

    public init(logicalId: Int64, online: Bool, canOffline: Bool? = nil) {
        self.logicalId = logicalId
        self.online = online
        self.canOffline = canOffline
    }

    enum CodingKeys: String, CodingKey {
        case logicalId = "logical-id"
        case online
        case canOffline = "can-offline"
    }
}

public struct GuestSetVcpusArguments: Codable, Hashable, Sendable {
    public var vcpus: [GuestLogicalProcessor]
    public init(vcpus: [GuestLogicalProcessor]) { self.vcpus = vcpus }
}

public struct GuestMemoryBlock: Codable, Hashable, Sendable {
    public var physIndex: UInt64
    public var online: Bool
    public var canOffline: Bool?

    public init(physIndex: UInt64, online: Bool, canOffline: Bool? = nil) {
        self.physIndex = physIndex
        self.online = online
        self.canOffline = canOffline
    }

    enum CodingKeys: String, CodingKey {
        case physIndex = "phys-index"
        case online
        case canOffline = "can-offline"
    }
}

public struct GuestSetMemoryBlocksArguments: Codable, Hashable, Sendable {
    public var memBlks: [GuestMemoryBlock]
    public init(memBlks: [GuestMemoryBlock]) { self.memBlks = memBlks }
    enum CodingKeys: String, CodingKey { case memBlks = "mem-blks" }
}

public struct GuestMemoryBlockResponseType: QAPIOpenEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let success: Self = "success"
    public static let notFound: Self = "not-found"
    public static let operationNotSupported: Self = "operation-not-supported"
    public static let operationFailed: Self = "operation-failed"
}

public struct GuestMemoryBlockResponse: Codable, Hashable, Sendable {
    public var physIndex: UInt64
    public var response: GuestMemoryBlockResponseType
    public var errorCode: Int64?

    public init(physIndex: UInt64, response: GuestMemoryBlockResponseType, errorCode: Int64? = nil) {
        self.physIndex = physIndex
        self.response = response
        self.errorCode = errorCode
    }

    enum CodingKeys: String, CodingKey {
        case physIndex = "phys-index"
        case response
        case errorCode = "error-code"
    }
}

public struct GuestMemoryBlockInfo: Codable, Hashable, Sendable {
    public var size: UInt64
    public init(size: UInt64) { self.size = size }
}

/// One CPU's line of /proc/stat, in USER_HZ ticks as qemu-ga reports them.
public struct GuestLinuxCpuStats: Codable, Hashable, Sendable {
    public var cpu: Int64
    public var user: UInt64
    public var nice: UInt64
    public var system: UInt64
    public var idle: UInt64
    public var iowait: UInt64?
    public var irq: UInt64?
    public var softirq: UInt64?
    public var steal: UInt64?
    public var guest: UInt64?
    public var guestnice: UInt64?

    public init(
        cpu: Int64, user: UInt64, nice: UInt64, system: UInt64, idle: UInt64,
        iowait: UInt64? = nil, irq: UInt64? = nil, softirq: UInt64? = nil, steal: UInt64? = nil,
        guest: UInt64? = nil, guestnice: UInt64? = nil
    ) {
        self.cpu = cpu
        self.user = user
        self.nice = nice
        self.system = system
        self.idle = idle
        self.iowait = iowait
        self.irq = irq
        self.softirq = softirq
        self.steal = steal
        self.guest = guest
        self.guestnice = guestnice
    }
}

/// A flat union on `type`; Linux is the only branch QEMU defines.
public enum GuestCpuStats: Codable, Hashable, Sendable {
    case linux(GuestLinuxCpuStats)
    /// A branch this schema does not know, kept whole.
    case other(type: String, JSONValue)

    public init(from decoder: any Decoder) throws {
        let keyed = try decoder.container(keyedBy: UnionTypeKey.self)
        let type = try keyed.decode(String.self, forKey: .type)
        if type == "linux" {
            self = .linux(try GuestLinuxCpuStats(from: decoder))
        } else {
            self = .other(type: type, try JSONValue(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .linux(let stats):
            var keyed = encoder.container(keyedBy: UnionTypeKey.self)
            try keyed.encode("linux", forKey: .type)
            try stats.encode(to: encoder)
        case .other(_, let raw):
            try raw.encode(to: encoder)
        }
    }
}

/// /proc/loadavg (QEMU 10.0's guest-get-load).
public struct GuestLoadAverage: Codable, Hashable, Sendable {
    public var load1: Double
    public var load5: Double
    public var load15: Double
    public init(load1: Double, load5: Double, load15: Double) {
        self.load1 = load1
        self.load5 = load5
        self.load15 = load15
    }
}
