import FleetAPIModel
import FleetStore
import Foundation
import GRDB

/// The current facts of every VM, read in one go (one statement per table): what listings,
/// the status view and exports are built from.
struct FleetSnapshot: Sendable {
    var vms: [VMRecord]
    var agent: [Int64: [Fact]]
    var os: [Int64: [Fact]]
    var hostName: [Int64: [Fact]]
    var addresses: [Int64: [StoredAddress]]

    static func read(_ db: Database) throws -> FleetSnapshot {
        try read(db, vms: FleetReads.vms(db), wholeFleet: true)
    }

    /// The facts of some VMs only (a handful, like status's attention list).
    static func read(_ db: Database, vms: [VMRecord]) throws -> FleetSnapshot {
        try read(db, vms: vms, wholeFleet: false)
    }

    private static func read(_ db: Database, vms: [VMRecord], wholeFleet: Bool) throws -> FleetSnapshot {
        let ids = wholeFleet ? nil : vms.map(\.id)
        return FleetSnapshot(
            vms: vms,
            agent: try FleetReads.currentFacts(db, .agentInfo, vmIDs: ids),
            os: try FleetReads.currentFacts(db, .osInfo, vmIDs: ids),
            hostName: try FleetReads.currentFacts(db, .hostName, vmIDs: ids),
            addresses: try FleetReads.currentFacts(db, .address, vmIDs: ids).mapValues { $0.compactMap(StoredAddress.init) })
    }

    func summary(_ vm: VMRecord) -> Components.Schemas.VMSummary {
        Components.Schemas.VMSummary(
            name: vm.name,
            state: Components.Schemas.VMState(vm.state),
            since: Date(millis: vm.stateSince),
            reason: vm.stateReason,
            agentVersion: agent[vm.id]?.first?.string(0),
            os: osLine(os[vm.id]?.first),
            hostName: hostName[vm.id]?.first?.string(0),
            addresses: (addresses[vm.id] ?? []).filter(\.isMain).map(\.cidr),
            lastSeen: vm.lastSeen.map(Date.init(millis:)),
            rttMicros: vm.rttLastMicros)
    }

    /// Whether a VM passes a listing's filters.
    func matches(_ vm: VMRecord, _ filter: VMFilter) -> Bool {
        if let states = filter.states, !states.contains(vm.state.rawValue) { return false }
        if let glob = filter.nameGlob, fnmatch(glob, vm.name, 0) != 0 { return false }
        if let network = filter.network {
            guard (addresses[vm.id] ?? []).contains(where: { network.contains($0.address) }) else { return false }
        }
        if let os = filter.os?.lowercased() {
            guard let fact = self.os[vm.id]?.first else { return false }
            let fields = [fact.string(0), fact.string(1), fact.string(2)].compactMap { $0?.lowercased() }
            guard fields.contains(where: { $0.contains(os) }) else { return false }
        }
        return true
    }
}

extension Components.Schemas.VMState {
    init(_ state: VMState) { self = Self(rawValue: state.rawValue) ?? .disconnected }
}
