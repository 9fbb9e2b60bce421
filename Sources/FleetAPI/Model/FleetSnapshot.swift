import FleetAPIModel
import FleetStore
import FleetSupervisor
import Foundation

extension VMRecord {
    /// Another client held the agent at fleetd's last exchange (shared sockets): the VM stays
    /// responsive and its reason says so.
    var isBusy: Bool { state == .responsive && stateReason == SessionMachine.busyReason }
}

/// The current facts of a set of VMs, as listings, the status view and `exec --all` show them.
struct FleetSnapshot: Sendable {
    let facts: ListingFacts

    init(_ facts: ListingFacts) { self.facts = facts }

    var vms: [VMRecord] { facts.vms }

    func summary(_ vm: VMRecord) -> Components.Schemas.VMSummary {
        Components.Schemas.VMSummary(
            name: vm.name,
            state: Components.Schemas.VMState(vm.state),
            since: Date(millis: vm.stateSince),
            reason: vm.stateReason,
            agentVersion: facts.agentVersion[vm.id],
            os: facts.os[vm.id]?.summary,
            hostName: facts.hostName[vm.id]?.hostName,
            addresses: (facts.addresses[vm.id] ?? []).filter(\.isMain).map(\.cidr),
            lastSeen: vm.lastSeen.map(Date.init(millis:)),
            rttMicros: vm.rttLastUs,
            vmid: vm.vmid,
            lock: vm.lock,
            busy: vm.isBusy)
    }

    /// Whether a VM passes a listing's filters.
    func matches(_ vm: VMRecord, _ filter: VMFilter) -> Bool {
        filter.matches(vm, os: facts.os[vm.id], addresses: facts.addresses[vm.id] ?? [])
    }
}
