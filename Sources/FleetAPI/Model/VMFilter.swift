import FleetStore
import Foundation

/// A listing's filters, checked before any VM is read.
struct VMFilter: Sendable, Equatable {
    var states: Set<String>?
    var nameGlob: String?
    var network: IPNetwork?
    var os: String?
    var vmids: Set<Int64>?

    static let stateNames = Set(VMState.allCases.map(\.rawValue))

    init(state: String?, name: String?, address: String?, os: String?, vmid: String? = nil) throws {
        if let state, !state.isEmpty {
            let wanted = Set(state.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
            let unknown = wanted.subtracting(Self.stateNames)
            guard unknown.isEmpty else {
                throw APIError.badRequest("unknown state \(unknown.sorted().joined(separator: ", ")); states are \(Self.stateNames.sorted().joined(separator: ", "))")
            }
            states = wanted
        }
        nameGlob = (name?.isEmpty ?? true) ? nil : name
        if let address, !address.isEmpty {
            guard let network = IPNetwork(address) else { throw APIError.badRequest("'\(address)' is not an IP address or a CIDR block") }
            self.network = network
        }
        self.os = (os?.isEmpty ?? true) ? nil : os
        if let vmid, !vmid.isEmpty {
            let parts = vmid.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = parts.compactMap { Int64($0) }.filter { $0 > 0 }
            guard numbers.count == parts.count else { throw APIError.badRequest("'\(vmid)' is not a comma-separated list of vmids") }
            vmids = Set(numbers)
        }
    }

    /// Whether a VM with these facts passes every filter given (each one narrows; none given passes all).
    func matches(_ vm: VMRecord, os osFact: OSInfoFact?, addresses: [AddressFact]) -> Bool {
        if let states, !states.contains(vm.state.rawValue) { return false }
        if let nameGlob, fnmatch(nameGlob, vm.name, 0) != 0 { return false }
        if let vmids, !vmids.contains(vm.vmid ?? 0) { return false }
        if let network, !addresses.contains(where: { network.contains($0.address) }) { return false }
        if let os = os?.lowercased() {
            guard let osFact else { return false }
            let fields = [osFact.osId, osFact.name, osFact.prettyName].compactMap { $0?.lowercased() }
            guard fields.contains(where: { $0.contains(os) }) else { return false }
        }
        return true
    }
}
