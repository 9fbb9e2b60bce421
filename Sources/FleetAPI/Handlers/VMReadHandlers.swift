import FleetAPIModel
import FleetStore
import Foundation

/// One VM: its detail and its history.
extension ControlAPI {
    func getVM(_ input: Operations.GetVM.Input) async throws -> Operations.GetVM.Output {
        let vm = try await vmRecord(input.path.name)
        let sheet = try await reader.factSheet(of: vm, transitions: VMDetailView.recentTransitions, execs: VMDetailView.recentExecs)
        return .ok(.init(body: .json(VMDetailView.detail(vm, sheet))))
    }

    func getHistory(_ input: Operations.GetHistory.Input) async throws -> Operations.GetHistory.Output {
        let vm = try await vmRecord(input.path.name)
        let since = input.query.since?.millis
        let limit = ClientNumbers.count(input.query.limit ?? 1000, within: 1...100_000)
        let events = try await reader.history(of: vm, since: since, limit: limit)
        return .ok(.init(body: .json(events.map(HistoryView.event))))
    }
}
