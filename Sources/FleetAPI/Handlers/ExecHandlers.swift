import FleetAPIModel
import FleetStore
import FleetSupervisor
import Foundation

/// The exec ledger: start (admin), list and read (read, with an optional wait).
extension ControlAPI {
    func startExec(_ input: Operations.StartExec.Input) async throws -> Operations.StartExec.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("startExec needs a JSON body") }
        let vm = try await vmRecord(input.path.name)
        let request = ExecRequest(
            path: body.path, args: body.args ?? [], env: body.env, input: body.input.map { Array($0.data) },
            capture: .separated, timeoutMs: ClientNumbers.milliseconds(body.timeoutSeconds ?? 60, within: 0.1...86_400),
            requestedByUID: CallerContext.credentials.map { Int64($0.uid) })
        // The ledger hands back the row it stored: nothing is read again.
        let record = try await supervisor.submitExec(vm: vm, request)
        return .accepted(.init(body: .json(ExecViews.summary(record, vm: vm.name))))
    }

    func listExecs(_ input: Operations.ListExecs.Input) async throws -> Operations.ListExecs.Output {
        let limit = ClientNumbers.count(input.query.limit ?? 100, within: 1...100_000)
        var vm: VMRecord?
        if let name = input.query.vm { vm = try await vmRecord(name) }
        let execs = try await reader.execs(of: vm, limit: limit)
        return .ok(.init(body: .json(execs.map { ExecViews.summary($0.record, vm: $0.vm) })))
    }

    /// With `wait`, answers as soon as the exec ends: its driver signals the end in-process the
    /// moment the outcome is committed, and the outcome is then read from the ledger.
    func getExec(_ input: Operations.GetExec.Input) async throws -> Operations.GetExec.Output {
        let id = input.path.id
        let deadline = ContinuousClock.now + .milliseconds(ClientNumbers.milliseconds(input.query.wait ?? 0, within: 0...300))
        let completions = supervisor.execCompletions
        while true {
            // Listening before reading: an end committed in between still wakes the wait.
            let ticket = await completions.register(id)
            guard let found = try await reader.exec(id: id) else {
                await completions.cancel(ticket)
                throw APIError(.notFound, .notFound, "no exec with id \(id)")
            }
            if found.record.isFinished || ContinuousClock.now >= deadline {
                await completions.cancel(ticket)
                return .ok(.init(body: .json(ExecViews.detail(found.record, vm: found.vm))))
            }
            await completions.wait(ticket, until: deadline)
        }
    }
}
