import FleetAPIModel
import FleetStore
import Foundation
import GRDB

/// The inventory report: one row per VM and the interface, address and filesystem tables,
/// each built from one statement per fact table over the current facts. Asked for one table,
/// only that table's facts are read.
enum InventoryExport {
    typealias Table = Operations.ExportInventory.Input.Query.TablePayload

    static func read(_ db: Database, only table: Table? = nil) throws -> Components.Schemas.InventoryExport {
        func wanted(_ t: Table) -> Bool { table == nil || table == t }
        let vms = try FleetReads.vms(db)
        return .init(
            generatedAt: Date(),
            vms: wanted(.vms) ? try vmRows(db, vms) : [],
            interfaces: wanted(.interfaces) ? try interfaceRows(db, vms) : [],
            addresses: wanted(.addresses) ? try addressRows(db, vms) : [],
            filesystems: wanted(.filesystems) ? try filesystemRows(db, vms) : [])
    }

    private static func vmRows(_ db: Database, _ vms: [VMRecord]) throws -> [Components.Schemas.ExportVM] {
        let agent = try FleetReads.currentFacts(db, .agentInfo)
        let osInfo = try FleetReads.currentFacts(db, .osInfo)
        let hostName = try FleetReads.currentFacts(db, .hostName)
        let vcpus = try FleetReads.currentFacts(db, .vcpu)
        let memory = try FleetReads.currentFacts(db, .memory)
        let drift = try FleetReads.currentFacts(db, .clockDrift)
        return vms.map { vm in
            let os = osInfo[vm.id]?.first
            let online = vcpus[vm.id].map { $0.filter { $0.bool(1) == true }.count }
            let mem = memory[vm.id]?.first
            return Components.Schemas.ExportVM(
                name: vm.name, state: .init(vm.state), since: Date(millis: vm.stateSince),
                agentVersion: agent[vm.id]?.first?.string(0),
                hostName: hostName[vm.id]?.first?.string(0),
                id: os?.string(0), prettyName: os?.string(2), versionId: os?.string(4), kernelRelease: os?.string(7),
                machine: os?.string(9), vcpus: online,
                memoryBytes: mem.flatMap { m in m.int(0).flatMap { size in m.int(2).map { size * $0 } } },
                lastSeen: vm.lastSeen.map(Date.init(millis:)), rttMicros: vm.rttLastMicros,
                clockDriftMs: drift[vm.id]?.first?.int(0))
        }
    }

    private static func interfaceRows(_ db: Database, _ vms: [VMRecord]) throws -> [Components.Schemas.ExportInterface] {
        let interfaces = try FleetReads.currentFacts(db, .interface)
        return vms.flatMap { vm in
            (interfaces[vm.id] ?? []).map { .init(vm: vm.name, name: $0.string(0) ?? "", hardwareAddress: $0.string(1)) }
        }
    }

    private static func addressRows(_ db: Database, _ vms: [VMRecord]) throws -> [Components.Schemas.ExportAddress] {
        let addresses = try FleetReads.currentFacts(db, .address).mapValues { $0.compactMap(StoredAddress.init) }
        return vms.flatMap { vm in
            (addresses[vm.id] ?? []).map {
                .init(vm: vm.name, interface: $0.interface, ipAddressType: $0.family == "ipv6" ? .ipv6 : .ipv4,
                      ipAddress: $0.address, prefix: $0.prefix)
            }
        }
    }

    private static func filesystemRows(_ db: Database, _ vms: [VMRecord]) throws -> [Components.Schemas.ExportFilesystem] {
        let filesystems = try FleetReads.currentFacts(db, .filesystem)
        let usage = try FleetReads.filesystemUsage(db)
        return vms.flatMap { vm in
            (filesystems[vm.id] ?? []).map { fact in
                let mountpoint = fact.string(0) ?? ""
                let used = usage[vm.id]?[mountpoint]
                return .init(
                    vm: vm.name, mountpoint: mountpoint, name: fact.string(1) ?? "", _type: fact.string(2) ?? "",
                    usedBytes: used?.used, totalBytes: used?.total)
            }
        }
    }
}
