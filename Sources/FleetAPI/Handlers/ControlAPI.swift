import FleetAPIModel
import FleetStore
import FleetSupervisor
import Foundation
import GRDB
import NIOCore
import OpenAPIRuntime
import Prometheus
import QGA

/// Timeouts and caps the control API applies to what it asks of agents.
public struct ControlAPISettings: Sendable {
    public var commandTimeout: Duration
    /// freeze, thaw, fstrim: they wait on the guest's disks.
    public var longCommandTimeout: Duration
    /// The most a file read returns, whatever the caller asks.
    public var fileReadLimit: Int64

    public init(commandTimeout: Duration = .seconds(10), longCommandTimeout: Duration = .seconds(300), fileReadLimit: Int64 = 64 << 20) {
        self.commandTimeout = commandTimeout
        self.longCommandTimeout = longCommandTimeout
        self.fileReadLimit = fileReadLimit
    }
}

/// The operations of docs/openapi.yaml. Reads come from the store (never from the sessions, so
/// a listing of 10,000 VMs does not wait on any of them); actions go through the VM's session.
struct ControlAPI: APIProtocol {
    let supervisor: Supervisor
    let store: FleetStore
    let policy: AccessPolicy
    let registry: PrometheusCollectorRegistry
    let settings: ControlAPISettings

    // MARK: Shared steps

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await store.pool.read(body)
    }

    /// The VM's row, or a not-found error that suggests close names.
    func vmRecord(_ name: String) async throws -> VMRecord {
        let (record, names) = try await read { db in
            if let record = try FleetReads.vm(db, named: name) { return (Optional(record), [String]()) }
            return (nil, try FleetReads.vmNames(db))
        }
        guard let record else { throw APIError.unknownVM(name, suggestions: NameSuggestions.closest(to: name, in: names)) }
        return record
    }

    /// Runs an action on the VM's live connection, turning every way it can fail into an
    /// `APIError` a person can act on.
    func withAgent<T: Sendable>(
        _ name: String, _ action: @Sendable (AgentConnection, VMSession) async throws -> T
    ) async throws -> T {
        let session: VMSession
        let connection: AgentConnection
        do {
            session = try await supervisor.session(for: name)
            connection = try await session.connectionForAction()
        } catch SupervisorError.unknownVM {
            _ = try await vmRecord(name)  // throws not-found with suggestions
            throw APIError.internalError("VM '\(name)' vanished")
        } catch let error as SupervisorError {
            if case .unavailable(_, let why) = error { throw try await unreachable(name, why.state) }
            throw APIError.internalError(error.description)
        } catch let error as SessionUnavailable {
            throw try await unreachable(name, error.state)
        }
        do {
            return try await action(connection, session)
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
