// guest-get-fsinfo, guest-get-disks, guest-get-diskstats.

public struct GuestDiskBusType: QAPIOpenEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let ide: Self = "ide", fdc: Self = "fdc", scsi: Self = "scsi", virtio: Self = "virtio"
    public static let xen: Self = "xen", usb: Self = "usb", uml: Self = "uml", sata: Self = "sata"
    public static let sd: Self = "sd", unknown: Self = "unknown", ieee1394: Self = "ieee1394"
    public static let ssa: Self = "ssa", fibre: Self = "fibre", raid: Self = "raid", iscsi: Self = "iscsi"
    public static let sas: Self = "sas", mmc: Self = "mmc", virtual: Self = "virtual"
    public static let fileBackedVirtual: Self = "file-backed-virtual", nvme: Self = "nvme"
}

public struct GuestPCIAddress: Codable, Hashable, Sendable {
    public var domain: Int64
    public var bus: Int64
    public var slot: Int64
    public var function: Int64
    public init(domain: Int64, bus: Int64, slot: Int64, function: Int64) {
        self.domain = domain
        self.bus = bus
        self.slot = slot
        self.function = function
    }
}

/// s390 channel I/O address.
public struct GuestCCWAddress: Codable, Hashable, Sendable {
    public var cssid: Int64
    public var ssid: Int64
    public var subchno: Int64
    public var devno: Int64
    public init(cssid: Int64, ssid: Int64, subchno: Int64, devno: Int64) {
        self.cssid = cssid
        self.ssid = ssid
        self.subchno = subchno
        self.devno = devno
    }
}

public struct GuestDiskAddress: Codable, Hashable, Sendable {
    public var pciController: GuestPCIAddress
    public var busType: GuestDiskBusType
    public var bus: Int64
    public var target: Int64
    public var unit: Int64
    public var serial: String?
    /// Device node, e.g. /dev/vda (QEMU 5.2+).
    public var dev: String?
    public var ccwAddress: GuestCCWAddress?

    public init(
        pciController: GuestPCIAddress, busType: GuestDiskBusType, bus: Int64, target: Int64, unit: Int64,
        serial: String? = nil, dev: String? = nil, ccwAddress: GuestCCWAddress? = nil
    ) {
        self.pciController = pciController
        self.busType = busType
        self.bus = bus
        self.target = target
        self.unit = unit
        self.serial = serial
        self.dev = dev
        self.ccwAddress = ccwAddress
    }

    enum CodingKeys: String, CodingKey {
        case pciController = "pci-controller"
        case busType = "bus-type"
        case bus, target, unit, serial, dev
        case ccwAddress = "ccw-address"
    }
}

public struct GuestFilesystemInfo: Codable, Hashable, Sendable {
    public var name: String
    public var mountpoint: String
    public var type: String
    public var usedBytes: UInt64?
    public var totalBytes: UInt64?
    public var disk: [GuestDiskAddress]

    public init(
        name: String, mountpoint: String, type: String, usedBytes: UInt64? = nil, totalBytes: UInt64? = nil,
        disk: [GuestDiskAddress]
    ) {
        self.name = name
        self.mountpoint = mountpoint
        self.type = type
        self.usedBytes = usedBytes
        self.totalBytes = totalBytes
        self.disk = disk
    }

    enum CodingKeys: String, CodingKey {
        case name, mountpoint, type, disk
        case usedBytes = "used-bytes"
        case totalBytes = "total-bytes"
    }
}

/// NVMe SMART / health log (guest-get-disks).
public struct GuestNVMeSmart: Codable, Hashable, Sendable {
    public var criticalWarning: Int64
    public var temperature: Int64
    public var availableSpare: Int64
    public var availableSpareThreshold: Int64
    public var percentageUsed: Int64
    public var dataUnitsReadLo: UInt64
    public var dataUnitsReadHi: UInt64
    public var dataUnitsWrittenLo: UInt64
    public var dataUnitsWrittenHi: UInt64
    public var hostReadCommandsLo: UInt64
    public var hostReadCommandsHi: UInt64
    public var hostWriteCommandsLo: UInt64
    public var hostWriteCommandsHi: UInt64
    public var controllerBusyTimeLo: UInt64
    public var controllerBusyTimeHi: UInt64
    public var powerCyclesLo: UInt64
    public var powerCyclesHi: UInt64
    public var powerOnHoursLo: UInt64
    public var powerOnHoursHi: UInt64
    public var unsafeShutdownsLo: UInt64
    public var unsafeShutdownsHi: UInt64
    public var mediaErrorsLo: UInt64
    public var mediaErrorsHi: UInt64
    public var numberErrorLogEntriesLo: UInt64
    public var numberErrorLogEntriesHi: UInt64

    enum CodingKeys: String, CodingKey {
        case criticalWarning = "critical-warning", temperature
        case availableSpare = "available-spare", availableSpareThreshold = "available-spare-threshold"
        case percentageUsed = "percentage-used"
        case dataUnitsReadLo = "data-units-read-lo", dataUnitsReadHi = "data-units-read-hi"
        case dataUnitsWrittenLo = "data-units-written-lo", dataUnitsWrittenHi = "data-units-written-hi"
        case hostReadCommandsLo = "host-read-commands-lo", hostReadCommandsHi = "host-read-commands-hi"
        case hostWriteCommandsLo = "host-write-commands-lo", hostWriteCommandsHi = "host-write-commands-hi"
        case controllerBusyTimeLo = "controller-busy-time-lo", controllerBusyTimeHi = "controller-busy-time-hi"
        case powerCyclesLo = "power-cycles-lo", powerCyclesHi = "power-cycles-hi"
        case powerOnHoursLo = "power-on-hours-lo", powerOnHoursHi = "power-on-hours-hi"
        case unsafeShutdownsLo = "unsafe-shutdowns-lo", unsafeShutdownsHi = "unsafe-shutdowns-hi"
        case mediaErrorsLo = "media-errors-lo", mediaErrorsHi = "media-errors-hi"
        case numberErrorLogEntriesLo = "number-err-log-entries-lo"
        case numberErrorLogEntriesHi = "number-err-log-entries-hi"
    }
}

/// A flat union on the disk's bus type; only NVMe carries SMART data in QEMU.
public enum GuestDiskSmart: Codable, Hashable, Sendable {
    case nvme(GuestNVMeSmart)
    case other(type: String, JSONValue)

    public init(from decoder: any Decoder) throws {
        let keyed = try decoder.container(keyedBy: UnionTypeKey.self)
        let type = try keyed.decode(String.self, forKey: .type)
        if type == "nvme" {
            self = .nvme(try GuestNVMeSmart(from: decoder))
        } else {
            self = .other(type: type, try JSONValue(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .nvme(let smart):
            var keyed = encoder.container(keyedBy: UnionTypeKey.self)
            try keyed.encode("nvme", forKey: .type)
            try smart.encode(to: encoder)
        case .other(_, let raw):
            try raw.encode(to: encoder)
        }
    }
}

public struct GuestDiskInfo: Codable, Hashable, Sendable {
    public var name: String
    public var partition: Bool
    public var dependencies: [String]?
    public var address: GuestDiskAddress?
    public var alias: String?
    public var smart: GuestDiskSmart?

    public init(
        name: String, partition: Bool, dependencies: [String]? = nil, address: GuestDiskAddress? = nil,
        alias: String? = nil, smart: GuestDiskSmart? = nil
    ) {
        self.name = name
        self.partition = partition
        self.dependencies = dependencies
        self.address = address
        self.alias = alias
        self.smart = smart
    }
}

/// /proc/diskstats counters; every member is optional because older kernels have fewer columns.
public struct GuestDiskStats: Codable, Hashable, Sendable {
    public var readSectors: UInt64?
    public var readIos: UInt64?
    public var readMerges: UInt64?
    public var writeSectors: UInt64?
    public var writeIos: UInt64?
    public var writeMerges: UInt64?
    public var discardSectors: UInt64?
    public var discardIos: UInt64?
    public var discardMerges: UInt64?
    public var flushIos: UInt64?
    public var readTicks: UInt64?
    public var writeTicks: UInt64?
    public var discardTicks: UInt64?
    public var flushTicks: UInt64?
    public var iosPgr: UInt64?
    public var totalTicks: UInt64?
    public var weightTicks: UInt64?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case readSectors = "read-sectors", readIos = "read-ios", readMerges = "read-merges"
        case writeSectors = "write-sectors", writeIos = "write-ios", writeMerges = "write-merges"
        case discardSectors = "discard-sectors", discardIos = "discard-ios", discardMerges = "discard-merges"
        case flushIos = "flush-ios", readTicks = "read-ticks", writeTicks = "write-ticks"
        case discardTicks = "discard-ticks", flushTicks = "flush-ticks", iosPgr = "ios-pgr"
        case totalTicks = "total-ticks", weightTicks = "weight-ticks"
    }
}

public struct GuestDiskStatsInfo: Codable, Hashable, Sendable {
    public var name: String
    public var major: UInt64
    public var minor: UInt64
    public var stats: GuestDiskStats
    public init(name: String, major: UInt64, minor: UInt64, stats: GuestDiskStats) {
        self.name = name
        self.major = major
        self.minor = minor
        self.stats = stats
    }
}
