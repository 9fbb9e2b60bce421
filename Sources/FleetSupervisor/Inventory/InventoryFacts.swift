import FleetStore
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

/// Turns typed agent results into the store's facts (one record per row of a span table),
/// checking every string and count against `InventoryLimits` first. Functions throw
/// `InventoryRejection` (declared untyped: typed throws mixed with untyped ones crash the
/// Swift 6.3 compiler's SIL generation in callers).
public struct InventoryFacts: Sendable {
    public var limits: InventoryLimits

    public init(limits: InventoryLimits = InventoryLimits()) { self.limits = limits }

    private func text(_ value: String, _ what: String) throws -> String {
        guard value.utf8.count <= limits.maxString else {
            throw InventoryRejection(reason: "string too long", detail: "\(what): \(value.utf8.count) bytes, limit \(limits.maxString)")
        }
        return value
    }

    private func text(_ value: String?, _ what: String) throws -> String? {
        try value.map { try text($0, what) }
    }

    private func count(_ n: Int, _ limit: Int, _ what: String) throws {
        guard n <= limit else { throw InventoryRejection(reason: "too many \(what)", detail: "\(n), limit \(limit)") }
    }

    public func agentInfo(_ info: GuestAgentInfo) throws -> [AgentInfoFact] {
        try count(info.supportedCommands.count, limits.maxCommands, "commands")
        let names = try info.supportedCommands.filter(\.enabled).map { try text($0.name, "command name") }
        return [AgentInfoFact(version: try text(info.version, "version"), enabledCommands: names)]
    }

    public func osInfo(_ os: GuestOSInfo) throws -> [OSInfoFact] {
        [OSInfoFact(
            osId: try text(os.id, "id"), name: try text(os.name, "name"), prettyName: try text(os.prettyName, "pretty-name"),
            version: try text(os.version, "version"), versionId: try text(os.versionId, "version-id"),
            variant: try text(os.variant, "variant"), variantId: try text(os.variantId, "variant-id"),
            kernelRelease: try text(os.kernelRelease, "kernel-release"), kernelVersion: try text(os.kernelVersion, "kernel-version"),
            machine: try text(os.machine, "machine"))]
    }

    public func hostName(_ name: GuestHostName) throws -> [HostNameFact] {
        [HostNameFact(hostName: try text(name.hostName, "host-name"))]
    }

    public func timezone(_ zone: GuestTimezone) throws -> [TimezoneFact] {
        [TimezoneFact(zone: try text(zone.zone, "zone"), offsetSeconds: zone.offset)]
    }

    /// Interfaces and their addresses (two span tables).
    public func network(_ interfaces: [GuestNetworkInterface]) throws -> (interfaces: [InterfaceFact], addresses: [AddressFact]) {
        try count(interfaces.count, limits.maxInterfaces, "interfaces")
        var interfaceFacts: [InterfaceFact] = []
        var addressFacts: [AddressFact] = []
        for interface in interfaces {
            let name = try text(interface.name, "interface name")
            interfaceFacts.append(InterfaceFact(name: name, hardwareAddress: try text(interface.hardwareAddress, "hardware-address")))
            let addresses = interface.ipAddresses ?? []
            try count(addresses.count, limits.maxAddressesPerInterface, "addresses on \(interface.name)")
            for address in addresses {
                guard let family = AddressFamily(rawValue: address.ipAddressType.rawValue) else {
                    throw InventoryRejection(reason: "unknown address type", detail: address.ipAddressType.rawValue)
                }
                guard (0...128).contains(address.prefix) else {
                    throw InventoryRejection(reason: "impossible prefix", detail: "\(address.ipAddress)/\(address.prefix)")
                }
                addressFacts.append(AddressFact(
                    interface: name, address: try text(address.ipAddress, "ip-address"), family: family, prefix: address.prefix))
            }
        }
        return (interfaceFacts, addressFacts)
    }

    /// Each interface's counters, where the agent reported them.
    public func counters(_ interfaces: [GuestNetworkInterface]) -> [InterfaceCounters] {
        interfaces.compactMap { interface in
            interface.statistics.map { s in
                InterfaceCounters(
                    name: interface.name, rxBytes: Int64(clamping: s.rxBytes), rxPackets: Int64(clamping: s.rxPackets),
                    rxErrs: Int64(clamping: s.rxErrs), rxDropped: Int64(clamping: s.rxDropped), txBytes: Int64(clamping: s.txBytes),
                    txPackets: Int64(clamping: s.txPackets), txErrs: Int64(clamping: s.txErrs), txDropped: Int64(clamping: s.txDropped))
            }
        }
    }

    public func filesystems(_ filesystems: [GuestFilesystemInfo]) throws -> [FilesystemFact] {
        try count(filesystems.count, limits.maxFilesystems, "filesystems")
        return try filesystems.map { fs in
            let disks = JSONWriter(style: .compact).string(QAPIEncoder().encode(fs.disk))
            return FilesystemFact(
                mountpoint: try text(fs.mountpoint, "mountpoint"), device: try text(fs.name, "name"), type: try text(fs.type, "type"),
                disks: try text(disks, "disk"))
        }
    }

    public func usage(_ filesystems: [GuestFilesystemInfo]) -> [FilesystemUsage] {
        filesystems.map {
            FilesystemUsage(mountpoint: $0.mountpoint, usedBytes: $0.usedBytes.map { Int64(clamping: $0) },
                            totalBytes: $0.totalBytes.map { Int64(clamping: $0) })
        }
    }

    public func vcpus(_ vcpus: [GuestLogicalProcessor]) throws -> [VcpuFact] {
        try count(vcpus.count, limits.maxVcpus, "vcpus")
        return vcpus.map { VcpuFact(logicalId: $0.logicalId, online: $0.online, canOffline: $0.canOffline) }
    }

    public func memory(_ info: GuestMemoryBlockInfo, blocks: [GuestMemoryBlock]?) -> [MemoryFact] {
        [MemoryFact(
            blockSize: Int64(clamping: info.size), blocks: blocks.map { Int64($0.count) },
            blocksOnline: blocks.map { Int64($0.filter(\.online).count) })]
    }

    public func users(_ users: [GuestUser]) throws -> [UserSessionFact] {
        try count(users.count, limits.maxUsers, "users")
        return try users.map { user in
            guard user.loginTime.isFinite else { throw InventoryRejection(reason: "impossible login time", detail: user.user) }
            return UserSessionFact(userName: try text(user.user, "user"), domain: try text(user.domain, "domain"), loginTime: user.loginTime)
        }
    }

    /// Guest clock minus host clock, rounded to 100 ms so that steady clocks write nothing new.
    /// `hostBefore`/`hostAfter` bracket the call; their midpoint is the host's reading.
    public func clockDrift(guestNanoseconds: Int64, hostBefore: Millis, hostAfter: Millis) -> [ClockDriftFact] {
        let host = (hostBefore + hostAfter) / 2
        let drift = guestNanoseconds / 1_000_000 - host
        let rounded = (drift >= 0 ? drift + 50 : drift - 50) / 100 * 100
        return [ClockDriftFact(driftMs: rounded)]
    }
}
