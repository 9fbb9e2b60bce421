import FleetAPIModel
import FleetStore
import Foundation
import GRDB

/// whoami, status, listings and the export.
extension ControlAPI {
    func whoAmI(_ input: Operations.WhoAmI.Input) async throws -> Operations.WhoAmI.Output {
        let caller = CallerContext.credentials
        let tier = policy.tier(of: caller)
        let uid: Int64 = caller.map { Int64($0.uid) } ?? -1
        let gid: Int64 = caller.map { Int64($0.gid) } ?? -1
        let pid: Int64 = caller.map { Int64($0.pid) } ?? 0
        let shown = Components.Schemas.Tier(rawValue: tier.name) ?? .none
        return .ok(.init(body: .json(Components.Schemas.Caller(uid: uid, gid: gid, pid: pid, tier: shown))))
    }

    func getStatus(_ input: Operations.GetStatus.Input) async throws -> Operations.GetStatus.Output {
        let snapshot = try await read(FleetSnapshot.read)
        var counts: [VMState: Int] = [:]
        for vm in snapshot.vms { counts[vm.state, default: 0] += 1 }
        let status = Components.Schemas.FleetStatus(
            generatedAt: Date(), total: snapshot.vms.count,
            counts: .init(
                disconnected: counts[.disconnected] ?? 0, connecting: counts[.connecting] ?? 0, syncing: counts[.syncing] ?? 0,
                responsive: counts[.responsive] ?? 0, unresponsive: counts[.unresponsive] ?? 0, frozen: counts[.frozen] ?? 0,
                gone: counts[.gone] ?? 0),
            vms: snapshot.vms.map(snapshot.summary))
        return .ok(.init(body: .json(status)))
    }

    func listVMs(_ input: Operations.ListVMs.Input) async throws -> Operations.ListVMs.Output {
        let query = input.query
        let filter = try VMFilter(state: query.state, name: query.name, address: query.address, os: query.os)
        let snapshot = try await read(FleetSnapshot.read)
        return .ok(.init(body: .json(snapshot.vms.filter { snapshot.matches($0, filter) }.map(snapshot.summary))))
    }

    func exportInventory(_ input: Operations.ExportInventory.Input) async throws -> Operations.ExportInventory.Output {
        .ok(.init(body: .json(try await read(InventoryExport.read))))
    }

    func listAudit(_ input: Operations.ListAudit.Input) async throws -> Operations.ListAudit.Output {
        let limit = input.query.limit ?? 100
        let entries = try await read { db in try Audit.recent(db, limit: limit) }
        return .ok(.init(body: .json(entries.map {
            .init(id: $0.id, at: Date(millis: $0.at), uid: $0.uid, action: $0.action, vm: $0.vm, detail: $0.detail, outcome: $0.outcome)
        })))
    }
}
