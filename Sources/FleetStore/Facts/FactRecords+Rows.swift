import Foundation
import GRDB

// Each fact read from a row of its table, by the column names its coding keys give.

extension AgentInfoFact {
    public init(row: Row) throws {
        version = row[CodingKeys.version.rawValue]
        let json: String = row[CodingKeys.enabledCommands.rawValue]
        enabledCommands = try JSONDecoder().decode([String].self, from: Data(json.utf8))
    }
}

extension OSInfoFact {
    public init(row: Row) throws {
        osId = row[CodingKeys.osId.rawValue]
        name = row[CodingKeys.name.rawValue]
        prettyName = row[CodingKeys.prettyName.rawValue]
        version = row[CodingKeys.version.rawValue]
        versionId = row[CodingKeys.versionId.rawValue]
        variant = row[CodingKeys.variant.rawValue]
        variantId = row[CodingKeys.variantId.rawValue]
        kernelRelease = row[CodingKeys.kernelRelease.rawValue]
        kernelVersion = row[CodingKeys.kernelVersion.rawValue]
        machine = row[CodingKeys.machine.rawValue]
    }
}

extension HostNameFact {
    public init(row: Row) throws { hostName = row[CodingKeys.hostName.rawValue] }
}

extension TimezoneFact {
    public init(row: Row) throws {
        zone = row[CodingKeys.zone.rawValue]
        offsetSeconds = row[CodingKeys.offsetSeconds.rawValue]
    }
}

extension InterfaceFact {
    public init(row: Row) throws {
        name = row[CodingKeys.name.rawValue]
        hardwareAddress = row[CodingKeys.hardwareAddress.rawValue]
    }
}

extension AddressFact {
    public init(row: Row) throws {
        interface = row["interface"]
        address = row["address"]
        let family: String = row["family"]
        guard let known = AddressFamily(rawValue: family) else {
            throw DatabaseError(message: "address family '\(family)' is neither ipv4 nor ipv6")
        }
        self.family = known
        prefix = row["prefix"]
    }
}

extension FilesystemFact {
    public init(row: Row) throws {
        mountpoint = row["mountpoint"]
        device = row["device"]
        type = row["type"]
        disks = row["disks"]
    }
}

extension VcpuFact {
    public init(row: Row) throws {
        logicalId = row[CodingKeys.logicalId.rawValue]
        online = row[CodingKeys.online.rawValue]
        canOffline = row[CodingKeys.canOffline.rawValue]
    }
}

extension MemoryFact {
    public init(row: Row) throws {
        blockSize = row[CodingKeys.blockSize.rawValue]
        blocks = row[CodingKeys.blocks.rawValue]
        blocksOnline = row[CodingKeys.blocksOnline.rawValue]
    }
}

extension UserSessionFact {
    public init(row: Row) throws {
        userName = row[CodingKeys.userName.rawValue]
        domain = row[CodingKeys.domain.rawValue]
        loginTime = row[CodingKeys.loginTime.rawValue]
    }
}

extension ClockDriftFact {
    public init(row: Row) throws { driftMs = row[CodingKeys.driftMs.rawValue] }
}
