import FleetAPIModel
import FleetStore
import Foundation

/// History events as the API shows them: a one-line summary per fact, in words an operator reads.
enum HistoryView {
    static func event(_ event: HistoryEvent) -> Components.Schemas.HistoryEvent {
        if let transition = event.transition {
            return .init(
                at: Date(millis: event.at), kind: .transition,
                summary: "\(transition.fromState?.rawValue ?? "new") → \(transition.toState.rawValue): \(transition.reason)",
                from: transition.fromState.map(Components.Schemas.VMState.init), to: .init(transition.toState))
        }
        let (item, summary) = event.fact.map(describe) ?? ("", "")
        return .init(at: Date(millis: event.at), kind: event.kind == .added ? .added : .removed, item: item, summary: summary)
    }

    /// The item's name as history shows it, and the fact in one line.
    static func describe(_ fact: AnyFact) -> (item: String, summary: String) {
        switch fact {
        case .agent(let f): ("agent", "agent \(f.version)")
        case .os(let f):
            ("os", [f.prettyName.flatMap { $0.isEmpty ? nil : $0 } ?? "\(f.name ?? "") \(f.version ?? "")", "kernel \(f.kernelRelease ?? "")"]
                .joined(separator: ", "))
        case .hostName(let f): ("host-name", f.hostName)
        case .timezone(let f): ("timezone", "\(f.zone.flatMap { $0.isEmpty ? nil : $0 } ?? "UTC") (offset \(f.offsetSeconds) s)")
        case .interface(let f): ("interface", f.hardwareAddress.flatMap { $0.isEmpty ? nil : "\(f.name) \($0)" } ?? f.name)
        case .address(let f): ("address", "\(f.interface) \(f.address)/\(f.prefix)")
        case .filesystem(let f): ("filesystem", "\(f.mountpoint) on \(f.device) (\(f.type))")
        case .vcpu(let f): ("vcpu", "vcpu \(f.logicalId) \(f.online ? "online" : "offline")")
        case .memory(let f):
            ("memory", "memory blocks \(f.blocksOnline.map(String.init) ?? "")/\(f.blocks.map(String.init) ?? "") online, \(f.blockSize) bytes each")
        case .user(let f): ("user", f.domain.flatMap { $0.isEmpty ? nil : "\($0)\\\(f.userName)" } ?? f.userName)
        case .clockDrift(let f): ("clock-drift", "clock drift \(f.driftMs) ms")
        }
    }
}

extension Components.Schemas.VMState {
    init(_ state: VMState) { self = Self(rawValue: state.rawValue) ?? .disconnected }
}
