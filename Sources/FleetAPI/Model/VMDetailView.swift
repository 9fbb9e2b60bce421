import FleetAPIModel
import FleetStore
import Foundation
import OpenAPIRuntime

/// Everything known about one VM, with guest facts in QGA's shapes.
enum VMDetailView {
    static let recentTransitions = 20
    static let recentExecs = 10

    static func detail(_ vm: VMRecord, _ sheet: VMFactSheet) -> Components.Schemas.VMDetail {
        Components.Schemas.VMDetail(
            name: vm.name, state: .init(vm.state), since: Date(millis: vm.stateSince), reason: vm.stateReason,
            socketPath: vm.socketPath, firstSeen: Date(millis: vm.firstSeen), vmid: vm.vmid, lock: vm.lock, busy: vm.isBusy,
            agentVersion: sheet.agent?.version,
            addresses: sheet.addresses.filter(\.isMain).map(\.cidr),
            heartbeat: .init(
                ok: vm.pingOk, missed: vm.pingMissed, lastSeen: vm.lastSeen.map(Date.init(millis:)),
                rttLastMicros: vm.rttLastUs, rttMinMicros: vm.rttMinUs, rttMaxMicros: vm.rttMaxUs,
                rttAvgMicros: vm.rttEwmaUs.map { Int64($0.rounded()) }),
            enabledCommands: sheet.agent?.enabledCommands ?? [],
            unsupportedCommands: sheet.unsupportedCommands.map {
                .init(command: $0.command, since: Date(millis: $0.since), reason: $0.reason)
            },
            os: sheet.os.map {
                .init(id: $0.osId, name: $0.name, prettyName: $0.prettyName, version: $0.version, versionId: $0.versionId,
                      variant: $0.variant, variantId: $0.variantId, kernelRelease: $0.kernelRelease,
                      kernelVersion: $0.kernelVersion, machine: $0.machine)
            },
            hostName: sheet.hostName?.hostName,
            timezone: sheet.timezone.map { .init(zone: $0.zone, offset: $0.offsetSeconds) },
            interfaces: interfaces(sheet),
            filesystems: filesystems(sheet),
            vcpus: sheet.vcpus.map { .init(logicalId: $0.logicalId, online: $0.online, canOffline: $0.canOffline) },
            memory: sheet.memory.map {
                .init(blockSize: $0.blockSize, blocks: $0.blocks, blocksOnline: $0.blocksOnline, onlineBytes: $0.onlineBytes)
            },
            users: sheet.users.map { .init(user: $0.userName, domain: $0.domain, loginTime: $0.loginTime) },
            clockDriftMs: sheet.clockDrift?.driftMs,
            rejections: sheet.rejections.map {
                .init(command: $0.command, reason: $0.reason, count: $0.count, firstAt: Date(millis: $0.firstAt),
                      lastAt: Date(millis: $0.lastAt), lastDetail: $0.lastDetail)
            },
            transitions: sheet.transitions.map {
                .init(at: Date(millis: $0.at), from: $0.fromState.map(Components.Schemas.VMState.init), to: .init($0.toState), reason: $0.reason)
            },
            execs: sheet.execs.map { ExecViews.summary($0, vm: vm.name) })
    }

    static func interfaces(_ sheet: VMFactSheet) -> [Components.Schemas.GuestNetworkInterface] {
        sheet.interfaces.map { interface in
            let ips = sheet.addresses.filter { $0.interface == interface.name }.map {
                Components.Schemas.GuestIpAddress(ipAddressType: $0.family == .ipv6 ? .ipv6 : .ipv4, ipAddress: $0.address, prefix: $0.prefix)
            }
            let stats = sheet.interfaceCounters[interface.name].map { c in
                Components.Schemas.GuestNetworkInterfaceStat(
                    rxBytes: c.rxBytes, rxPackets: c.rxPackets, rxErrs: c.rxErrs, rxDropped: c.rxDropped,
                    txBytes: c.txBytes, txPackets: c.txPackets, txErrs: c.txErrs, txDropped: c.txDropped)
            }
            return .init(name: interface.name, hardwareAddress: interface.hardwareAddress, ipAddresses: ips, statistics: stats)
        }
    }

    static func filesystems(_ sheet: VMFactSheet) -> [Components.Schemas.GuestFilesystemInfo] {
        sheet.filesystems.map { fs in
            let disks = (try? JSONDecoder().decode([Components.Schemas.GuestFilesystemInfo.DiskPayloadPayload].self, from: Data(fs.disks.utf8))) ?? []
            let usage = sheet.filesystemUsage[fs.mountpoint]
            return .init(name: fs.device, mountpoint: fs.mountpoint, _type: fs.type,
                         usedBytes: usage?.usedBytes, totalBytes: usage?.totalBytes, disk: disks)
        }
    }
}
