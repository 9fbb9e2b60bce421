import FleetAPIModel
import FleetStore
import Foundation
import GRDB

/// The inventory report: one row per VM and the interface, address and filesystem tables,
/// each built from one statement over the current facts.
enum InventoryExport {
    static func read(_ db: Database) throws -> Components.Schemas.InventoryExport {
        let snapshot = try FleetSnapshot.read(db)
        let names = Dictionary(uniqueKeysWithValues: snapshot.vms.map { ($0.id, $0.name) })
        let vcpus = try FleetReads.currentFacts(db, .vcpu)
        let memory = try FleetReads.currentFacts(db, .memory)
        let drift = try FleetReads.currentFacts(db, .clockDrift)
        let interfaces = try FleetReads.currentFacts(db, .interface)
        let filesystems = try FleetReads.currentFacts(db, .filesystem)
        let usage = try FleetReads.filesystemUsage(db)

        let vmRows = snapshot.vms.map { vm -> Components.Schemas.ExportVM in
            let os = snapshot.os[vm.id]?.first
            let online = vcpus[vm.id].map { $0.filter { $0.bool(1) == true }.count }
            let mem = memory[vm.id]?.first
            return Components.Schemas.ExportVM(
                name: vm.name, state: .init(vm.state), since: Date(millis: vm.stateSince),
                agentVersion: snapshot.agent[vm.id]?.first?.string(0),
                hostName: snapshot.hostName[vm.id]?.first?.string(0),
                id: os?.string(0), prettyName: os?.string(2), versionId: os?.string(4), kernelRelease: os?.string(7),
                machine: os?.string(9), vcpus: online,
                memoryBytes: mem.flatMap { m in m.int(0).flatMap { size in m.int(2).map { size * $0 } } },
                lastSeen: vm.lastSeen.map(Date.init(millis:)), rttMicros: vm.rttLastMicros,
                clockDriftMs: drift[vm.id]?.first?.int(0))
        }
        var interfaceRows: [Components.Schemas.ExportInterface] = []
        var addressRows: [Components.Schemas.ExportAddress] = []
        var filesystemRows: [Components.Schemas.ExportFilesystem] = []
        for vm in snapshot.vms {
            let name = names[vm.id] ?? ""
            for fact in interfaces[vm.id] ?? [] {
                interfaceRows.append(.init(vm: name, name: fact.string(0) ?? "", hardwareAddress: fact.string(1)))
            }
            for address in snapshot.addresses[vm.id] ?? [] {
                addressRows.append(.init(
                    vm: name, interface: address.interface, ipAddressType: address.family == "ipv6" ? .ipv6 : .ipv4,
                    ipAddress: address.address, prefix: address.prefix))
            }
            for fact in filesystems[vm.id] ?? [] {
                let mountpoint = fact.string(0) ?? ""
                let used = usage[vm.id]?[mountpoint]
                filesystemRows.append(.init(
                    vm: name, mountpoint: mountpoint, name: fact.string(1) ?? "", _type: fact.string(2) ?? "",
                    usedBytes: used?.used, totalBytes: used?.total))
            }
        }
        return .init(generatedAt: Date(), vms: vmRows, interfaces: interfaceRows, addresses: addressRows, filesystems: filesystemRows)
    }
}
