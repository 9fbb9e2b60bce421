/// The read side of the store, as the control API uses it: every listing, detail, history and
/// export the API serves is one call here. fleetd's SQLite store is one implementation; a hub
/// reading PostgreSQL is another, and the API does not change for it. Fleet-wide reads fetch
/// each table once (never a query per VM), so a listing of 10,000 VMs is a handful of statements.
public protocol FleetReader: Sendable {
    func vm(named name: String) async throws -> VMRecord?
    /// Every VM's name, for suggestions when a name matches none.
    func vmNames() async throws -> [String]
    /// How many VMs are in each state.
    func stateCounts() async throws -> [VMState: Int]
    /// The facts listings and the status view show, for every VM or for those needing attention.
    func listingFacts(_ selection: VMSelection) async throws -> ListingFacts
    /// Everything known about one VM.
    func factSheet(of vm: VMRecord, transitions: Int, execs: Int) async throws -> VMFactSheet
    /// A VM's transitions and inventory changes at or after `since`, oldest first; the newest `limit`.
    func history(of vm: VMRecord, since: Millis?, limit: Int) async throws -> [HistoryEvent]
    /// The inventory report's tables (only those asked for are read).
    func inventory(_ parts: Set<InventoryPart>) async throws -> InventorySnapshot
    /// The exec ledger, newest first, optionally of one VM.
    func execs(of vm: VMRecord?, limit: Int) async throws -> [NamedExec]
    func exec(id: Int64) async throws -> NamedExec?
    /// Audited calls, newest first.
    func audit(limit: Int) async throws -> [AuditEntry]
}

/// Which VMs a listing reads.
public enum VMSelection: Sendable, Equatable {
    case all
    /// VMs that are not responsive, by name, at most `limit` (status's attention list).
    case attention(limit: Int)
}

/// The current facts of a set of VMs that listings and status show, keyed by VM id.
public struct ListingFacts: Sendable {
    public var vms: [VMRecord]
    /// The agent's version only: bulk views never show the enabled commands, and decoding that
    /// JSON column for 10,000 VMs was a fifth of an export.
    public var agentVersion: [Int64: String]
    public var os: [Int64: OSInfoFact]
    public var hostName: [Int64: HostNameFact]
    public var addresses: [Int64: [AddressFact]]

    public init(vms: [VMRecord], agentVersion: [Int64: String] = [:], os: [Int64: OSInfoFact] = [:],
                hostName: [Int64: HostNameFact] = [:], addresses: [Int64: [AddressFact]] = [:]) {
        self.vms = vms
        self.agentVersion = agentVersion
        self.os = os
        self.hostName = hostName
        self.addresses = addresses
    }
}

/// Everything known about one VM.
public struct VMFactSheet: Sendable {
    public var agent: AgentInfoFact?
    public var os: OSInfoFact?
    public var hostName: HostNameFact?
    public var timezone: TimezoneFact?
    public var interfaces: [InterfaceFact]
    public var addresses: [AddressFact]
    public var interfaceCounters: [String: InterfaceCounters]
    public var filesystems: [FilesystemFact]
    public var filesystemUsage: [String: FilesystemUsage]
    public var vcpus: [VcpuFact]
    public var memory: MemoryFact?
    public var users: [UserSessionFact]
    public var clockDrift: ClockDriftFact?
    public var unsupportedCommands: [UnsupportedCommand]
    public var rejections: [Rejection]
    /// The most recent, oldest first.
    public var transitions: [TransitionRecord]
    /// The most recent, newest first.
    public var execs: [ExecRecord]
}

/// A command the agent refused as unknown or disabled.
public struct UnsupportedCommand: Sendable, Equatable, Codable {
    public var command: String
    public var since: Millis
    public var reason: String
}

/// Replies fleetd refused from a VM, counted per command and reason.
public struct Rejection: Sendable, Equatable, Codable {
    public var command: String
    public var reason: String
    public var count: Int64
    public var firstAt: Millis
    public var lastAt: Millis
    public var lastDetail: String?
}

/// The tables of the inventory report.
public enum InventoryPart: String, Sendable, CaseIterable {
    case vms, interfaces, addresses, filesystems
}

/// The current facts behind the inventory report, keyed by VM id; parts not asked for are empty.
public struct InventorySnapshot: Sendable {
    /// What was read.
    public var parts: Set<InventoryPart> = []
    public var vms: [VMRecord] = []
    /// The agent's version only (as in `ListingFacts`).
    public var agentVersion: [Int64: String] = [:]
    public var os: [Int64: OSInfoFact] = [:]
    public var hostName: [Int64: HostNameFact] = [:]
    public var vcpus: [Int64: [VcpuFact]] = [:]
    public var memory: [Int64: MemoryFact] = [:]
    public var clockDrift: [Int64: ClockDriftFact] = [:]
    public var interfaces: [Int64: [InterfaceFact]] = [:]
    public var addresses: [Int64: [AddressFact]] = [:]
    public var filesystems: [Int64: [FilesystemFact]] = [:]
    public var filesystemUsage: [Int64: [String: FilesystemUsage]] = [:]

    public init() {}
}

/// An exec with the name of its VM.
public struct NamedExec: Sendable, Equatable {
    public var record: ExecRecord
    public var vm: String
}
