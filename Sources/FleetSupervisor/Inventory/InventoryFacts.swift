import FleetStore
import GRDB
import QGA

/// Why a guest's answer was not stored. Recorded (counted per VM and reason), never fatal.
public struct InventoryRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var detail: String
    public var description: String { "\(reason): \(detail)" }
}

/// Bounds on what one guest may make fleetd store. A guest is untrusted: a reply that passes a
/// bound is refused whole (and the refusal recorded) rather than stored in part.
public struct InventoryLimits: Sendable, Equatable {
    public var maxString = 4096
    public var maxInterfaces = 1024
    public var maxAddressesPerInterface = 256
    public var maxFilesystems = 1024
    public var maxVcpus = 8192
    public var maxUsers = 4096
    public var maxCommands = 1024

    public init() {}
}

/// Turns typed agent results into the store's facts (one `Fact` per row of a span table),
/// checking every string and count against `InventoryLimits` first. Functions throw
/// `InventoryRejection` (declared untyped: typed throws mixed with untyped ones crash the
/// Swift 6.3 compiler's SIL generation in callers).
public struct InventoryFacts: Sendable {
    public var limits: InventoryLimits

    public init(limits: InventoryLimits = InventoryLimits()) { self.limits = limits }

    private func text(_ value: String?, _ what: String) throws -> DatabaseValue {
        guard let value else { return .null }
        guard value.utf8.count <= limits.maxString else {
            throw InventoryRejection(reason: "string too long", detail: "\(what): \(value.utf8.count) bytes, limit \(limits.maxString)")
        }
        return value.databaseValue
    }

    private func count(_ n: Int, _ limit: Int, _ what: String) throws {
        guard n <= limit else { throw InventoryRejection(reason: "too many \(what)", detail: "\(n), limit \(limit)") }
    }

    public func agentInfo(_ info: GuestAgentInfo) throws -> [Fact] {
        try count(info.supportedCommands.count, limits.maxCommands, "commands")
        var names: [JSONValue] = []
        for command in info.supportedCommands where command.enabled {
            _ = try text(command.name, "command name")
            names.append(.string(command.name))
        }
        let json = JSONWriter(style: .compact).string(.array(names))
        return [Fact(databaseValues: [try text(info.version, "version"), json.databaseValue])]
    }

    public func osInfo(_ os: GuestOSInfo) throws -> [Fact] {
        [Fact(databaseValues: [
            try text(os.id, "id"), try text(os.name, "name"), try text(os.prettyName, "pretty-name"),
            try text(os.version, "version"), try text(os.versionId, "version-id"), try text(os.variant, "variant"),
            try text(os.variantId, "variant-id"), try text(os.kernelRelease, "kernel-release"),
            try text(os.kernelVersion, "kernel-version"), try text(os.machine, "machine"),
        ])]
    }

    public func hostName(_ name: GuestHostName) throws -> [Fact] {
        [Fact(databaseValues: [try text(name.hostName, "host-name")])]
    }

    public func timezone(_ zone: GuestTimezone) throws -> [Fact] {
        [Fact(databaseValues: [try text(zone.zone, "zone"), zone.offset.databaseValue])]
    }

    /// Interfaces and their addresses (two span tables).
    public func network(_ interfaces: [GuestNetworkInterface]) throws -> (interfaces: [Fact], addresses: [Fact]) {
        try count(interfaces.count, limits.maxInterfaces, "interfaces")
        var interfaceFacts: [Fact] = []
        var addressFacts: [Fact] = []
        for interface in interfaces {
            let name = try text(interface.name, "interface name")
            interfaceFacts.append(Fact(databaseValues: [name, try text(interface.hardwareAddress, "hardware-address")]))
            let addresses = interface.ipAddresses ?? []
            try count(addresses.count, limits.maxAddressesPerInterface, "addresses on \(interface.name)")
            for address in addresses {
                guard address.ipAddressType == .ipv4 || address.ipAddressType == .ipv6 else {
                    throw InventoryRejection(reason: "unknown address type", detail: address.ipAddressType.rawValue)
                }
                guard (0...128).contains(address.prefix) else {
                    throw InventoryRejection(reason: "impossible prefix", detail: "\(address.ipAddress)/\(address.prefix)")
                }
                addressFacts.append(Fact(databaseValues: [
                    name, try text(address.ipAddress, "ip-address"), address.ipAddressType.rawValue.databaseValue,
                    address.prefix.databaseValue,
                ]))
            }
        }
        return (interfaceFacts, addressFacts)
    }

    public func filesystems(_ filesystems: [GuestFilesystemInfo]) throws -> [Fact] {
        try count(filesystems.count, limits.maxFilesystems, "filesystems")
        var facts: [Fact] = []
        for fs in filesystems {
            let disks = JSONWriter(style: .compact).string(QAPIEncoder().encode(fs.disk))
            facts.append(Fact(databaseValues: [
                try text(fs.mountpoint, "mountpoint"), try text(fs.name, "name"), try text(fs.type, "type"),
                try text(disks, "disk"),
            ]))
        }
        return facts
    }

    public func vcpus(_ vcpus: [GuestLogicalProcessor]) throws -> [Fact] {
        try count(vcpus.count, limits.maxVcpus, "vcpus")
        return vcpus.map {
            Fact(databaseValues: [$0.logicalId.databaseValue, $0.online.databaseValue, $0.canOffline?.databaseValue ?? .null])
        }
    }

    public func memory(_ info: GuestMemoryBlockInfo, blocks: [GuestMemoryBlock]?) -> [Fact] {
        [Fact(databaseValues: [
            Int64(clamping: info.size).databaseValue,
            blocks.map { Int64($0.count).databaseValue } ?? .null,
            blocks.map { Int64($0.filter(\.online).count).databaseValue } ?? .null,
        ])]
    }

    public func users(_ users: [GuestUser]) throws -> [Fact] {
        try count(users.count, limits.maxUsers, "users")
        var facts: [Fact] = []
        for user in users {
            guard user.loginTime.isFinite else { throw InventoryRejection(reason: "impossible login time", detail: user.user) }
            facts.append(Fact(databaseValues: [try text(user.user, "user"), try text(user.domain, "domain"), user.loginTime.databaseValue]))
        }
        return facts
    }

    /// Guest clock minus host clock, rounded to 100 ms so that steady clocks write nothing new.
    /// `hostBefore`/`hostAfter` bracket the call; their midpoint is the host's reading.
    public func clockDrift(guestNanoseconds: Int64, hostBefore: Millis, hostAfter: Millis) -> [Fact] {
        let host = (hostBefore + hostAfter) / 2
        let drift = guestNanoseconds / 1_000_000 - host
        let rounded = (drift >= 0 ? drift + 50 : drift - 50) / 100 * 100
        return [Fact([rounded])]
    }
}
