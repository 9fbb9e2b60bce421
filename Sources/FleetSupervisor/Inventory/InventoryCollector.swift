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

/// Fetches inventory items through any agent link and turns the answers into facts. A round's
/// items go out as one batch (`AgentLink.send(batch:)`): at 10,000 VMs the trip per request —
/// to the event loop, a syscall, a wake-up of the guest's side, and back — cost more than the
/// facts made of its reply.
struct InventoryCollector: Sendable {
    let facts: InventoryFacts

    /// The requests an item needs, and how their replies become its result.
    private struct Plan {
        let requests: [QGARequest]
        let interpret: ([LinkReply], _ sentAt: Millis) throws -> InventoryResult
    }

    /// Every item's result, in the order given, from one batch of requests. The clock goes first:
    /// its drift is measured between the batch's sending and its own reply, which nothing queued
    /// before it should delay.
    func collect(_ items: [InventoryItem], via link: any AgentLink, enabled: Set<String>) async -> [InventoryResult] {
        let order = items.indices.filter { items[$0] == .clock } + items.indices.filter { items[$0] != .clock }
        let plans = order.map { plan(items[$0], enabled) }
        let sentAt = Date().millis
        let replies = await link.send(batch: plans.flatMap(\.requests), within: .routine)
        var results = [InventoryResult](repeating: .failed, count: items.count)
        var next = 0
        for (index, plan) in zip(order, plans) {
            let mine = replies[min(next, replies.count)..<min(next + plan.requests.count, replies.count)]
            next += plan.requests.count
            guard mine.count == plan.requests.count else { continue }
            results[index] = outcome(items[index]) { try plan.interpret(Array(mine), sentAt) }
        }
        return results
    }

    private func outcome(_ item: InventoryItem, _ interpret: () throws -> InventoryResult) -> InventoryResult {
        do {
            return try interpret()
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

    private func plan(_ item: InventoryItem, _ enabled: Set<String>) -> Plan {
        switch item {
        case .osInfo:
            return single(GuestGetOSInfoCommand.self) { .observed([FactUpdate(try facts.osInfo($0))], samples: []) }
        case .hostName:
            return single(GuestGetHostNameCommand.self) { .observed([FactUpdate(try facts.hostName($0))], samples: []) }
        case .timezone:
            return single(GuestGetTimezoneCommand.self) { .observed([FactUpdate(try facts.timezone($0))], samples: []) }
        case .network:
            return single(GuestNetworkGetInterfacesCommand.self) { interfaces in
                let network = try facts.network(interfaces)
                return .observed([FactUpdate(network.interfaces), FactUpdate(network.addresses)], samples: [.interfaces(facts.counters(interfaces))])
            }
        case .filesystems:
            return single(GuestGetFsinfoCommand.self) { filesystems in
                .observed([FactUpdate(try facts.filesystems(filesystems))], samples: [.filesystems(facts.usage(filesystems))])
            }
        case .vcpus:
            return single(GuestGetVcpusCommand.self) { .observed([FactUpdate(try facts.vcpus($0))], samples: []) }
        case .memory:
            guard enabled.contains(GuestGetMemoryBlocksCommand.name) else {
                return single(GuestGetMemoryBlockInfoCommand.self) { .observed([FactUpdate(facts.memory($0, blocks: nil))], samples: []) }
            }
            return Plan(requests: [Self.request(GuestGetMemoryBlockInfoCommand.self), Self.request(GuestGetMemoryBlocksCommand.self)]) { replies, _ in
                let info = try replies[0].result(GuestGetMemoryBlockInfoCommand.self)
                // The blocks are optional: an agent may list its info but fail the blocks.
                let blocks = try? replies[1].result(GuestGetMemoryBlocksCommand.self)
                return .observed([FactUpdate(facts.memory(info, blocks: blocks))], samples: [])
            }
        case .users:
            return single(GuestGetUsersCommand.self) { .observed([FactUpdate(try facts.users($0))], samples: []) }
        case .clock:
            // Measured against when this reply came back, however long the rest of the batch took.
            return Plan(requests: [Self.request(GuestGetTimeCommand.self)]) { replies, sentAt in
                let guest = try replies[0].result(GuestGetTimeCommand.self)
                return .observed([FactUpdate(facts.clockDrift(guestNanoseconds: guest, hostBefore: sentAt, hostAfter: replies[0].receivedAt))], samples: [])
            }
        }
    }

    private func single<C: QGACommand>(_ command: C.Type, _ interpret: @escaping (C.Result) throws -> InventoryResult) -> Plan where C.Arguments == QGAEmpty {
        Plan(requests: [Self.request(command)]) { replies, _ in try interpret(try replies[0].result(command)) }
    }

    private static func request<C: QGACommand>(_ command: C.Type) -> QGARequest where C.Arguments == QGAEmpty {
        command.request(QGAEmpty())
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
