import FleetAPIModel
import FleetStore
import Foundation
import GRDB

/// One VM: its detail and its history.
extension ControlAPI {
    func getVM(_ input: Operations.GetVM.Input) async throws -> Operations.GetVM.Output {
        let vm = try await vmRecord(input.path.name)
        return .ok(.init(body: .json(try await read { db in try VMDetailReader.read(db, vm) })))
    }

    func getHistory(_ input: Operations.GetHistory.Input) async throws -> Operations.GetHistory.Output {
        let vm = try await vmRecord(input.path.name)
        let since = input.query.since?.millis
        let limit = ClientNumbers.count(input.query.limit ?? 1000, within: 1...100_000)
        let events = try await read { db in try History.events(db, vmID: vm.id, since: since, limit: limit) }
        return .ok(.init(body: .json(events.map(HistoryView.event))))
    }
}

/// History events as the API shows them: a one-line summary per fact, in words an operator reads.
enum HistoryView {
    static let itemNames: [String: String] = [
        "agent_info": "agent", "os_info": "os", "host_name": "host-name", "user_session": "user", "clock_drift": "clock-drift",
    ]

    static func event(_ event: History.Event) -> Components.Schemas.HistoryEvent {
        if let transition = event.transition {
            return .init(
                at: Date(millis: event.at), kind: .transition,
                summary: "\(transition.fromState?.rawValue ?? "new") → \(transition.toState.rawValue): \(transition.reason)",
                from: transition.fromState.map(Components.Schemas.VMState.init), to: .init(transition.toState))
        }
        let item = event.item ?? ""
        return .init(
            at: Date(millis: event.at), kind: event.kind == .added ? .added : .removed,
            item: itemNames[item] ?? item, summary: summary(item, event.values))
    }

    static func summary(_ item: String, _ v: [String]) -> String {
        func at(_ i: Int) -> String { i < v.count ? v[i] : "" }
        switch item {
        case "agent_info": return "agent \(at(0))"
        case "os_info": return [at(2).isEmpty ? "\(at(1)) \(at(3))" : at(2), "kernel \(at(7))"].joined(separator: ", ")
        case "host_name": return at(0)
        case "timezone": return "\(at(0).isEmpty ? "UTC" : at(0)) (offset \(at(1)) s)"
        case "interface": return at(1).isEmpty ? at(0) : "\(at(0)) \(at(1))"
        case "address": return "\(at(0)) \(at(1))/\(at(3))"
        case "filesystem": return "\(at(0)) on \(at(1)) (\(at(2)))"
        case "vcpu": return "vcpu \(at(0)) \(at(1) == "1" ? "online" : "offline")"
        case "memory": return "memory blocks \(at(2))/\(at(1)) online, \(at(0)) bytes each"
        case "user_session": return at(1).isEmpty ? at(0) : "\(at(1))\\\(at(0))"
        case "clock_drift": return "clock drift \(at(0)) ms"
        default: return v.joined(separator: " ")
        }
    }
}
