import FleetAPIModel
import FleetStore
import FleetSupervisor
import Foundation
import OpenAPIRuntime
import Prometheus
import QGA

/// The operations of docs/openapi.yaml. Reads come from the store's reader (never from the
/// sessions, so a listing of 10,000 VMs does not wait on any of them); actions go through the
/// VM's session, whatever kind of link it has. Handlers only translate requests and responses.
struct ControlAPI: APIProtocol {
    let supervisor: Supervisor
    let reader: any FleetReader
    let policy: AccessPolicy
    let registry: PrometheusCollectorRegistry

    // MARK: Shared steps

    /// The VM's row — the one the request validation already found, when it did — or a
    /// not-found error that suggests close names.
    func vmRecord(_ name: String) async throws -> VMRecord {
        if let resolved = ResolvedVM.current, resolved.name == name { return resolved }
        guard let record = try await reader.vm(named: name) else {
            throw APIError.unknownVM(name, suggestions: NameSuggestions.closest(to: name, in: try await reader.vmNames()))
        }
        return record
    }

    /// Runs an action on the VM, turning every way it can fail into an `APIError` a person can act
    /// on. A paused VM fails at once, or is waited for up to `waitPaused` seconds.
    func withAgent<T: Sendable>(_ name: String, waitPaused: Int64? = nil, _ action: @Sendable (VMActions) async throws -> T) async throws -> T {
        let actions: VMActions
        do {
            actions = try await supervisor.actions(for: name, waitWhilePaused: .seconds(ClientNumbers.count(Int(waitPaused ?? 0), within: 0...600)))
        } catch let error as SessionUnavailable {
            throw try await unreachable(name, error.state)
        }
        do {
            return try await action(actions)
        } catch let error as FreezeDeadlineRefused {
            throw APIError(.conflict, .conflict, "VM '\(name)': \(error.reason)")
        } catch let error as AgentConnectionError {
            switch error {
            case .agent(let agentError): throw APIError.agent(name, agentError.errorClass.rawValue, agentError.desc)
            case .timeout(let command): throw APIError.timeout("the agent of '\(name)' did not answer \(command) in time")
            case .invalidResult(let command, let detail):
                throw APIError(.badGateway, .agentError, "the agent of '\(name)' answered \(command) with something invalid: \(detail)")
            default:
                throw APIError(.serviceUnavailable, .unreachable, "'\(name)': \(error.description)")
            }
        }
    }

    /// Not reachable now: say in which state, since when and why.
    func unreachable(_ name: String, _ state: SessionState) async throws -> APIError {
        let record = try await vmRecord(name)
        let ago = Self.relative(record.stateSince)
        var error = APIError(
            .serviceUnavailable, .unreachable,
            "VM '\(name)' is \(record.state.rawValue) since \(Self.rfc3339(record.stateSince)) (\(ago)): \(record.stateReason)")
        error.payload.state = Components.Schemas.VMState(rawValue: record.state.rawValue)
        error.payload.since = Date(millis: record.stateSince)
        return error
    }

    static func rfc3339(_ millis: Millis) -> String {
        RFC3339DateTranscoder.string(Date(millis: millis))
    }

    static func relative(_ millis: Millis) -> String {
        let seconds = max(0, (Date().millis - millis) / 1000)
        switch seconds {
        case ..<60: return "\(seconds)s ago"
        case ..<3600: return "\(seconds / 60)m ago"
        case ..<86400: return "\(seconds / 3600)h ago"
        default: return "\(seconds / 86400)d ago"
        }
    }
}

extension Date {
    init(millis: Millis) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}
