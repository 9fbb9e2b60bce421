import FleetStore
import Foundation
import QGA

/// What fetching one inventory item came to.
enum InventoryResult: Sendable {
    /// Facts to keep (each kind compared with what was stored before it is written) and
    /// samples that are overwritten in place.
    case observed([FactUpdate], samples: [StoreSample])
    /// The agent refused the command because its filesystems are frozen.
    case frozen
    /// The agent does not have (or has disabled) the command.
    case unsupported(command: String, reason: String)
    /// The answer was not stored: too large, not QGA, or out of bounds.
    case rejected(command: String, InventoryRejection)
    /// The link failed (timeout, disconnect): nothing to record; the heartbeat says the rest.
    case failed
}

/// A VM's current facts of one kind, ready to compare and store.
struct FactUpdate: Sendable {
    let table: String
    let change: @Sendable (_ vmID: Int64, _ time: Millis) -> StoreChange
    /// The facts' hash: what the session keeps to compare the next refresh against.
    let fingerprint: Int

    init<Fact: SpanFact>(_ facts: [Fact]) {
        table = Fact.table
        change = { vmID, time in .facts(vmID: vmID, facts, at: time) }
        fingerprint = facts.hashValue
    }
}

/// Gauges kept as the latest sample only.
enum StoreSample: Sendable {
    case interfaces([InterfaceCounters])
    case filesystems([FilesystemUsage])

    func change(vmID: Int64, at time: Millis) -> StoreChange {
        switch self {
        case .interfaces(let counters): .interfaceCounters(vmID: vmID, counters, at: time)
        case .filesystems(let usage): .filesystemUsage(vmID: vmID, usage, at: time)
        }
    }
}

/// Fetches one inventory item through any agent link and turns the answer into facts.
struct InventoryCollector: Sendable {
    let facts: InventoryFacts

    func collect(_ item: InventoryItem, via link: any AgentLink, enabled: Set<String>) async -> InventoryResult {
        do {
            return try await fetch(item, link, enabled)
        } catch let rejection as InventoryRejection {
            return .rejected(command: item.commands[0], rejection)
        } catch AgentConnectionError.agent(let error) where error.errorClass == .commandNotFound {
            if error.refusal == .frozen { return .frozen }
            return .unsupported(command: item.commands[0], reason: error.desc)
        } catch let error as AgentConnectionError {
            switch error {
            case .invalidResult(let command, let decoding):
                return .rejected(command: command, InventoryRejection(reason: "result does not fit the schema", detail: decoding.description))
            case .replyTooLarge(let detail):
                return .rejected(command: item.commands[0], InventoryRejection(reason: "reply too large", detail: detail))
            case .protocolViolation(let detail):
                return .rejected(command: item.commands[0], InventoryRejection(reason: "not QGA", detail: detail))
            default:
                return .failed
            }
        } catch {
            return .failed
        }
    }

    private func fetch(_ item: InventoryItem, _ link: any AgentLink, _ enabled: Set<String>) async throws -> InventoryResult {
        switch item {
        case .osInfo:
            return .observed([FactUpdate(try facts.osInfo(try await link.call(GuestGetOSInfoCommand.self)))], samples: [])
        case .hostName:
            return .observed([FactUpdate(try facts.hostName(try await link.call(GuestGetHostNameCommand.self)))], samples: [])
        case .timezone:
            return .observed([FactUpdate(try facts.timezone(try await link.call(GuestGetTimezoneCommand.self)))], samples: [])
        case .network:
            let interfaces = try await link.call(GuestNetworkGetInterfacesCommand.self)
            let network = try facts.network(interfaces)
            return .observed([FactUpdate(network.interfaces), FactUpdate(network.addresses)], samples: [.interfaces(facts.counters(interfaces))])
        case .filesystems:
            let filesystems = try await link.call(GuestGetFsinfoCommand.self)
            return .observed([FactUpdate(try facts.filesystems(filesystems))], samples: [.filesystems(facts.usage(filesystems))])
        case .vcpus:
            return .observed([FactUpdate(try facts.vcpus(try await link.call(GuestGetVcpusCommand.self)))], samples: [])
        case .memory:
            let info = try await link.call(GuestGetMemoryBlockInfoCommand.self)
            let blocks = enabled.contains(GuestGetMemoryBlocksCommand.name) ? try? await link.call(GuestGetMemoryBlocksCommand.self) : nil
            return .observed([FactUpdate(facts.memory(info, blocks: blocks))], samples: [])
        case .users:
            return .observed([FactUpdate(try facts.users(try await link.call(GuestGetUsersCommand.self)))], samples: [])
        case .clock:
            let before = Date().millis
            let guest = try await link.call(GuestGetTimeCommand.self)
            return .observed([FactUpdate(facts.clockDrift(guestNanoseconds: guest, hostBefore: before, hostAfter: Date().millis))], samples: [])
        }
    }
}

/// What a session last stored of each kind of fact, as a hash of it. The session is the only
/// writer of its VM's current facts, so an unchanged refresh — nearly all of them — costs the
/// store nothing. Hashes, not the facts themselves: at 10,000 VMs the facts' strings held here
/// were several MiB, and two different fact sets share a 64-bit hash once in 2^64 refreshes.
struct FactCache: Sendable {
    private var stored: [String: Int] = [:]

    /// The store changes for `updates` that differ from what was stored (remembering them).
    mutating func changes(_ updates: [FactUpdate], vmID: Int64, at time: Millis) -> [StoreChange] {
        updates.compactMap { update in
            if stored[update.table] == update.fingerprint { return nil }
            stored[update.table] = update.fingerprint
            return update.change(vmID, time)
        }
    }
}
