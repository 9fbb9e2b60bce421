import FleetAPIModel
import FleetStore
import Foundation
import GRDB
import OpenAPIRuntime

/// Everything known about one VM, with guest facts in QGA's shapes.
enum VMDetailReader {
    static let recentTransitions = 20
    static let recentExecs = 10

    static func read(_ db: Database, _ vm: VMRecord) throws -> Components.Schemas.VMDetail {
        let agent = try FactSpans.facts(db, .agentInfo, vmID: vm.id).first
        let os = try FactSpans.facts(db, .osInfo, vmID: vm.id).first
        let addresses = try FactSpans.facts(db, .address, vmID: vm.id).compactMap(StoredAddress.init)
        let timezone = try FactSpans.facts(db, .timezone, vmID: vm.id).first
        let memory = try FactSpans.facts(db, .memory, vmID: vm.id).first
        let commands = agent?.string(1).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        return Components.Schemas.VMDetail(
            name: vm.name, state: .init(vm.state), since: Date(millis: vm.stateSince), reason: vm.stateReason,
            socketPath: vm.socketPath, firstSeen: Date(millis: vm.firstSeen), agentVersion: agent?.string(0),
            addresses: addresses.filter(\.isMain).map(\.cidr),
            heartbeat: .init(
                ok: vm.pingOK, missed: vm.pingMissed, lastSeen: vm.lastSeen.map(Date.init(millis:)),
                rttLastMicros: vm.rttLastMicros, rttMinMicros: vm.rttMinMicros, rttMaxMicros: vm.rttMaxMicros,
                rttAvgMicros: vm.rttEWMAMicros.map { Int64($0.rounded()) }),
            enabledCommands: commands,
            unsupportedCommands: try FleetReads.unsupportedCommands(db, vmID: vm.id).map {
                .init(command: $0.command, since: Date(millis: $0.since), reason: $0.reason)
            },
            os: os.map {
                .init(id: $0.string(0), name: $0.string(1), prettyName: $0.string(2), version: $0.string(3),
                      versionId: $0.string(4), variant: $0.string(5), variantId: $0.string(6),
                      kernelRelease: $0.string(7), kernelVersion: $0.string(8), machine: $0.string(9))
            },
            hostName: try FactSpans.facts(db, .hostName, vmID: vm.id).first?.string(0),
            timezone: timezone.map { .init(zone: $0.string(0), offset: $0.int(1) ?? 0) },
            interfaces: try interfaces(db, vm.id, addresses),
            filesystems: try filesystems(db, vm.id),
            vcpus: try FactSpans.facts(db, .vcpu, vmID: vm.id).map {
                .init(logicalId: $0.int(0) ?? 0, online: $0.bool(1) ?? false, canOffline: $0.bool(2))
            },
            memory: memory.map { m in
                .init(blockSize: m.int(0) ?? 0, blocks: m.int(1), blocksOnline: m.int(2),
                      onlineBytes: m.int(0).flatMap { size in m.int(2).map { size * $0 } })
            },
            users: try FactSpans.facts(db, .userSession, vmID: vm.id).map {
                .init(user: $0.string(0) ?? "", domain: $0.string(1), loginTime: $0.double(2) ?? 0)
            },
            clockDriftMs: try FactSpans.facts(db, .clockDrift, vmID: vm.id).first?.int(0),
            rejections: try FleetReads.rejections(db, vmID: vm.id).map {
                .init(command: $0.command, reason: $0.reason, count: $0.count, firstAt: Date(millis: $0.firstAt),
                      lastAt: Date(millis: $0.lastAt), lastDetail: $0.lastDetail)
            },
            transitions: try FleetReads.recentTransitions(db, vmID: vm.id, limit: recentTransitions).map {
                .init(at: Date(millis: $0.at), from: $0.fromState.map(Components.Schemas.VMState.init), to: .init($0.toState), reason: $0.reason)
            },
            execs: try FleetReads.execs(db, vmID: vm.id, limit: recentExecs).map { ExecViews.summary($0, vm: vm.name) })
    }

    static func interfaces(_ db: Database, _ vmID: Int64, _ addresses: [StoredAddress]) throws -> [Components.Schemas.GuestNetworkInterface] {
        let counters = try FleetReads.interfaceCounters(db, vmID: vmID)
        return try FactSpans.facts(db, .interface, vmID: vmID).map { fact in
            let name = fact.string(0) ?? ""
            let ips = addresses.filter { $0.interface == name }.map {
                Components.Schemas.GuestIpAddress(ipAddressType: $0.family == "ipv6" ? .ipv6 : .ipv4, ipAddress: $0.address, prefix: $0.prefix)
            }
            let stats = counters[name].flatMap { c -> Components.Schemas.GuestNetworkInterfaceStat? in
                let v = c.map { $0 ?? 0 }
                return .init(rxBytes: v[0], rxPackets: v[1], rxErrs: v[2], rxDropped: v[3],
                             txBytes: v[4], txPackets: v[5], txErrs: v[6], txDropped: v[7])
            }
            return .init(name: name, hardwareAddress: fact.string(1), ipAddresses: ips, statistics: stats)
        }
    }

    static func filesystems(_ db: Database, _ vmID: Int64) throws -> [Components.Schemas.GuestFilesystemInfo] {
        let usage = try FleetReads.filesystemUsage(db, vmID: vmID)[vmID] ?? [:]
        return try FactSpans.facts(db, .filesystem, vmID: vmID).map { fact in
            let mountpoint = fact.string(0) ?? ""
            let disks = fact.string(3).flatMap {
                try? JSONDecoder().decode([Components.Schemas.GuestFilesystemInfo.DiskPayloadPayload].self, from: Data($0.utf8))
            } ?? []
            return .init(name: fact.string(1) ?? "", mountpoint: mountpoint, _type: fact.string(2) ?? "",
                         usedBytes: usage[mountpoint]?.used, totalBytes: usage[mountpoint]?.total, disk: disks)
        }
    }
}
