import FleetAPIModel
import FleetStore
import Foundation
import OpenAPIRuntime

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
        let all = input.query.vms == .all
        let limit = ClientNumbers.count(input.query.limit ?? 50, within: 0...1_000_000)
        let counts = try await reader.stateCounts()
        let snapshot = FleetSnapshot(try await reader.listingFacts(all ? .all : .attention(limit: limit)))
        let total = counts.values.reduce(0, +)
        let attention = total - (counts[.responsive] ?? 0)
        func count(_ state: VMState) -> Int { counts[state] ?? 0 }
        let byState = Components.Schemas.StateCounts(
            disconnected: count(.disconnected), connecting: count(.connecting), syncing: count(.syncing), responsive: count(.responsive),
            unresponsive: count(.unresponsive), frozen: count(.frozen), gone: count(.gone), locked: count(.locked), disabled: count(.disabled),
            booting: count(.booting), flapping: count(.flapping), paused: count(.paused), stopped: count(.stopped))
        let status = Components.Schemas.FleetStatus(
            generatedAt: Date(), total: total, counts: byState,
            vms: snapshot.vms.map(snapshot.summary),
            omitted: all ? 0 : max(0, attention - snapshot.vms.count))
        return .ok(.init(body: .json(status)))
    }

    func listVMs(_ input: Operations.ListVMs.Input) async throws -> Operations.ListVMs.Output {
        let query = input.query
        let filter = try VMFilter(state: query.state, name: query.name, address: query.address, os: query.os, vmid: query.vmid)
        let snapshot = FleetSnapshot(try await reader.listingFacts(.all))
        return .ok(.init(body: .json(snapshot.vms.filter { snapshot.matches($0, filter) }.map(snapshot.summary))))
    }

    func exportInventory(_ input: Operations.ExportInventory.Input) async throws -> Operations.ExportInventory.Output {
        let table = input.query.table
        let report = InventoryExport.report(try await reader.inventory(InventoryExport.parts(table)))
        // CSV when the caller prefers it: rendered here, straight from the rows, because a
        // 10,000-VM report decoded and re-encoded on the way cost seconds.
        if Self.preferred(input.headers.accept) == .csv {
            return .ok(.init(body: .csv(HTTPBody(InventoryCSV.render(report, table: table ?? .vms)))))
        }
        return .ok(.init(body: .json(report)))
    }

    /// The content type the caller ranks highest (the first of equals); JSON when it names none.
    static func preferred<T>(_ accept: [AcceptHeaderContentType<T>]) -> T? {
        var best: AcceptHeaderContentType<T>?
        for entry in accept where entry.quality.doubleValue > (best?.quality.doubleValue ?? 0) { best = entry }
        return best?.contentType
    }

    func listAudit(_ input: Operations.ListAudit.Input) async throws -> Operations.ListAudit.Output {
        let limit = ClientNumbers.count(input.query.limit ?? 100, within: 1...100_000)
        let entries = try await reader.audit(limit: limit)
        return .ok(.init(body: .json(entries.map {
            .init(id: $0.id, at: Date(millis: $0.at), uid: $0.uid, action: $0.action, vm: $0.vmName, detail: $0.detail, outcome: $0.outcome)
        })))
    }
}
