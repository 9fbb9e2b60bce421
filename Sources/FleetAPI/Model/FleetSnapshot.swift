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
        FleetSnapshot(
            vms: try FleetReads.vms(db),
            agent: try FleetReads.currentFacts(db, .agentInfo),
            os: try FleetReads.currentFacts(db, .osInfo),
            hostName: try FleetReads.currentFacts(db, .hostName),
            addresses: try FleetReads.currentFacts(db, .address).mapValues { $0.compactMap(StoredAddress.init) })
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
