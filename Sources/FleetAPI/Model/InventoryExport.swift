import FleetAPIModel
import FleetStore
import Foundation

/// The inventory report: one row per VM and the interface, address and filesystem tables,
/// built from the current facts. Asked for one table, only that table's facts are read.
enum InventoryExport {
    typealias Table = Operations.ExportInventory.Input.Query.TablePayload

    /// The store parts a request needs.
    static func parts(_ table: Table?) -> Set<InventoryPart> {
        guard let table else { return Set(InventoryPart.allCases) }
        return [InventoryPart(rawValue: table.rawValue) ?? .vms]
    }

    static func report(_ snapshot: InventorySnapshot) -> Components.Schemas.InventoryExport {
        .init(
            generatedAt: Date(),
            vms: vmRows(snapshot),
            interfaces: snapshot.vms.flatMap { vm in
                (snapshot.interfaces[vm.id] ?? []).map { .init(vm: vm.name, name: $0.name, hardwareAddress: $0.hardwareAddress) }
            },
            addresses: snapshot.vms.flatMap { vm in
                (snapshot.addresses[vm.id] ?? []).map {
                    .init(vm: vm.name, interface: $0.interface, ipAddressType: $0.family == .ipv6 ? .ipv6 : .ipv4,
                          ipAddress: $0.address, prefix: $0.prefix)
                }
            },
            filesystems: snapshot.vms.flatMap { vm in
                (snapshot.filesystems[vm.id] ?? []).map { fs in
                    let usage = snapshot.filesystemUsage[vm.id]?[fs.mountpoint]
                    return .init(vm: vm.name, mountpoint: fs.mountpoint, name: fs.device, _type: fs.type,
                                 usedBytes: usage?.usedBytes, totalBytes: usage?.totalBytes)
                }
            })
    }

    private static func vmRows(_ snapshot: InventorySnapshot) -> [Components.Schemas.ExportVM] {
        guard snapshot.parts.contains(.vms) else { return [] }
        return snapshot.vms.map { vm in
            let os = snapshot.os[vm.id]
            return Components.Schemas.ExportVM(
                name: vm.name, state: .init(vm.state), since: Date(millis: vm.stateSince),
                agentVersion: snapshot.agentVersion[vm.id], hostName: snapshot.hostName[vm.id]?.hostName,
                id: os?.osId, prettyName: os?.prettyName, versionId: os?.versionId, kernelRelease: os?.kernelRelease,
                machine: os?.machine, vcpus: snapshot.vcpus[vm.id].map { $0.filter(\.online).count },
                memoryBytes: snapshot.memory[vm.id]?.onlineBytes,
                lastSeen: vm.lastSeen.map(Date.init(millis:)), rttMicros: vm.rttLastUs,
                clockDriftMs: snapshot.clockDrift[vm.id]?.driftMs)
        }
    }
}
