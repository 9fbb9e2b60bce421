import FleetAPIModel
import FleetStore
import FleetSupervisor
import Foundation
import GRDB

/// The exec ledger: start (admin), list and read (read, with an optional wait).
extension ControlAPI {
    func startExec(_ input: Operations.StartExec.Input) async throws -> Operations.StartExec.Output {
        let name = input.path.name
        guard case .json(let body) = input.body else { throw APIError.badRequest("startExec needs a JSON body") }
        guard !body.path.isEmpty else { throw APIError.badRequest("path must not be empty") }
        _ = try await vmRecord(name)
        let request = ExecLedger.Request(
            path: body.path, args: body.args ?? [], env: body.env, input: body.input.map { Array($0.data) },
            capture: "separated", timeoutMs: ClientNumbers.milliseconds(body.timeoutSeconds ?? 60, within: 0.1...86_400),
            requestedByUID: CallerContext.credentials.map { Int64($0.uid) })
        let id = try await supervisor.submitExec(vm: name, request)
        guard let record = try await read({ db in try ExecLedger.fetch(db, id: id) }) else {
            throw APIError.internalError("exec \(id) was recorded but cannot be read back")
        }
        return .accepted(.init(body: .json(ExecViews.summary(record, vm: name))))
    }

    func listExecs(_ input: Operations.ListExecs.Input) async throws -> Operations.ListExecs.Output {
        let limit = ClientNumbers.count(input.query.limit ?? 100, within: 1...100_000)
        var vmID: Int64?
        if let name = input.query.vm { vmID = try await vmRecord(name).id }
        let (records, names) = try await read { [vmID] db in
            (try FleetReads.execs(db, vmID: vmID, limit: limit), try FleetReads.vmNamesByID(db))
        }
        return .ok(.init(body: .json(records.map { ExecViews.summary($0, vm: names[$0.vmID] ?? "") })))
    }

    func getExec(_ input: Operations.GetExec.Input) async throws -> Operations.GetExec.Output {
        let id = input.path.id
        let deadline = ContinuousClock.now + .milliseconds(ClientNumbers.milliseconds(input.query.wait ?? 0, within: 0...300))
        while true {
            let found = try await read { db -> (ExecRecord, String)? in
                guard let record = try ExecLedger.fetch(db, id: id) else { return nil }
                return (record, try String.fetchOne(db, sql: "SELECT name FROM vm WHERE id = ?", arguments: [record.vmID]) ?? "")
            }
            guard let (record, vm) = found else { throw APIError(.notFound, .notFound, "no exec with id \(id)") }
            // The ledger is the only truth: poll it rather than trust an in-memory signal that a
            // restart of fleetd would lose.
            if record.isFinished || ContinuousClock.now >= deadline {
                return .ok(.init(body: .json(ExecViews.detail(record, vm: vm))))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
