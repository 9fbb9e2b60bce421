import Foundation
import NIOConcurrencyHelpers
import QGA

/// What a simulated agent does with one request.
enum Reply: Sendable {
    case bytes([UInt8])
    case after(milliseconds: Int, [UInt8])
    /// `prefix`, `unit` repeated `count` times (written about 1 MiB at a time, never all in
    /// memory), then `suffix`.
    case stream(prefix: [UInt8], unit: [UInt8], count: Int, suffix: [UInt8])
    /// `prefix`, then one byte every few milliseconds for as long as the connection lasts.
    case trickle(prefix: [UInt8])
}

/// One simulated VM's agent: answers with the real QGA types and writer, in the manner its
/// behaviour says.
final class SimulatedGuest: Sendable {
    let name: String
    let behaviour: Behaviour
    let inventory: GuestInventory
    private struct State {
        var answered = 0
        var frozen = false
        var lastID: JSONValue?
        var nextPID: Int64 = 1000
        var absurdTurn = 0
        var paused = false
    }
    private let state: NIOLockedValueBox<State>

    /// The commands the simulated agent offers (guest-info lists them all as enabled).
    static let offered: [QGACommandInfo] = QGACommandTable.infos.filter {
        !["guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid", "guest-set-user-password"].contains($0.name)
    }
    static let inventoryCommands: Set<String> = [
        "guest-get-osinfo", "guest-get-host-name", "guest-get-timezone", "guest-network-get-interfaces", "guest-get-fsinfo",
        "guest-get-vcpus", "guest-get-memory-block-info", "guest-get-memory-blocks", "guest-get-users", "guest-get-time",
    ]

    init(name: String, index: Int, behaviour: Behaviour, churnSeconds: Double) {
        self.name = name
        self.behaviour = behaviour
        self.inventory = GuestInventory(index: index, name: name, churnSeconds: churnSeconds)
        self.state = NIOLockedValueBox(State(frozen: behaviour == .frozen))
    }

    /// A paused guest answers nothing (the benchmark's way to hang one healthy VM and bring it back).
    func setPaused(_ paused: Bool) { state.withLockedValue { $0.paused = paused } }

    func respond(to message: JSONValue) -> [Reply] {
        guard case .success(let request) = QGARequest.parse(message) else { return [] }
        if state.withLockedValue({ $0.paused }) { return [] }
        let sync = request.execute == GuestSyncDelimitedCommand.name || request.execute == GuestSyncCommand.name
        switch behaviour {
        case .hung:
            return []
        case .silentAfter(let limit):
            let count = state.withLockedValue { state -> Int in
                state.answered += 1
                return state.answered
            }
            return count > limit ? [] : [.bytes(normal(request))]
        case .slow(let low, let high):
            let delay = Int(exp(Double.random(in: log(Double(low))...log(Double(high)))))
            return [.after(milliseconds: delay, normal(request))]
        case .garbage:
            if sync { return [.bytes(normal(request))] }
            return [.bytes((0..<Int.random(in: 64...512)).map { _ in UInt8.random(in: 0...0xFE) })]
        case .giant(let size):
            guard Self.inventoryCommands.contains(request.execute) else { return [.bytes(normal(request))] }
            return [.stream(
                prefix: Array(#"{"return": {"host-name": ""#.utf8), unit: Array(repeating: UInt8(ascii: "a"), count: 4096),
                count: size / 4096, suffix: Array("\"}, \"id\": ".utf8) + JSONWriter().bytes(request.id ?? .null) + Array("}\n".utf8))]
        case .endless:
            guard Self.inventoryCommands.contains(request.execute) else { return [.bytes(normal(request))] }
            return [.trickle(prefix: Array(#"{"return": {"host-name": ""#.utf8))]
        case .wrongIDs:
            if sync { return [.bytes(normal(request))] }
            let stale = state.withLockedValue { state -> JSONValue? in
                defer { state.lastID = request.id }
                return state.lastID
            }
            var replies: [Reply] = [
                .bytes(line(["return": .object(JSONObject()), "id": .int(Int64.random(in: Int64.min...Int64.max))])),
                .bytes(line(["return": .object(JSONObject())])),
            ]
            if let stale { replies.append(.bytes(line(["return": .object(JSONObject()), "id": stale]))) }
            replies.append(.bytes(normal(request)))
            return replies
        case .absurd:
            guard Self.inventoryCommands.contains(request.execute) else { return [.bytes(normal(request))] }
            return [absurd(request)]
        case .healthy, .flapping, .frozen:
            return [.bytes(normal(request))]
        }
    }

    // MARK: Replies a real agent would give

    func normal(_ request: QGARequest) -> [UInt8] {
        let id = request.id
        func ok(_ value: some Encodable) -> [UInt8] { reply(.success(QAPIEncoder().encode(value), id: id)) }
        let name = request.execute
        if state.withLockedValue({ $0.frozen }), let command = QGACommandTable.command(named: name), !command.allowedWhileFrozen {
            return reply(.failure(.disabledWhileFrozen(name), id: id))
        }
        switch name {
        case GuestSyncDelimitedCommand.name:
            return [0xFF] + reply(.success(request.arguments?["id"] ?? .null, id: id))
        case GuestSyncCommand.name: return reply(.success(request.arguments?["id"] ?? .null, id: id))
        case GuestPingCommand.name, GuestSetTimeCommand.name: return ok(QGAEmpty())
        case GuestInfoCommand.name:
            return ok(GuestAgentInfo(version: "7.2.22-sim", supportedCommands: Self.offered.map {
                GuestAgentCommandInfo(name: $0.name, enabled: true, successResponse: $0.successResponse)
            }))
        case GuestGetOSInfoCommand.name: return ok(inventory.osInfo)
        case GuestGetHostNameCommand.name: return ok(inventory.hostName)
        case GuestGetTimezoneCommand.name: return ok(inventory.timezone)
        case GuestNetworkGetInterfacesCommand.name: return ok(inventory.interfaces)
        case GuestGetFsinfoCommand.name: return ok(inventory.filesystems)
        case GuestGetVcpusCommand.name: return ok(inventory.vcpus)
        case GuestGetMemoryBlockInfoCommand.name: return ok(inventory.memoryBlockInfo)
        case GuestGetMemoryBlocksCommand.name: return ok(inventory.memoryBlocks)
        case GuestGetUsersCommand.name: return ok(inventory.users)
        case GuestGetTimeCommand.name: return ok(inventory.time)
        case GuestFsfreezeStatusCommand.name:
            return ok(state.withLockedValue { $0.frozen } ? GuestFsfreezeStatus.frozen : GuestFsfreezeStatus.thawed)
        case GuestFsfreezeFreezeCommand.name, GuestFsfreezeFreezeListCommand.name:
            state.withLockedValue { $0.frozen = true }
            return ok(Int64(2))
        case GuestFsfreezeThawCommand.name:
            let was = state.withLockedValue { state -> Bool in
                defer { state.frozen = false }
                return state.frozen
            }
            return ok(Int64(was ? 2 : 0))
        case GuestExecCommand.name:
            let pid = state.withLockedValue { state -> Int64 in
                state.nextPID += 1
                return state.nextPID
            }
            return ok(GuestExec(pid: pid))
        case GuestExecStatusCommand.name:
            return ok(GuestExecStatus(exited: true, exitcode: 0, outData: QGABase64.encode(Array("\(self.name)\n".utf8))))
        case GuestShutdownCommand.name: return []
        default:
            return reply(.failure(.commandNotFound(name), id: id))
        }
    }

    // MARK: Hostile replies

    /// Each turn a different kind of absurdity, so that one VM exercises them all.
    func absurd(_ request: QGARequest) -> Reply {
        let turn = state.withLockedValue { state -> Int in
            defer { state.absurdTurn += 1 }
            return state.absurdTurn
        }
        let id = JSONWriter().bytes(request.id ?? .null)
        switch turn % 5 {
        case 0:  // a 1 MiB host name
            return .bytes(reply(.success(["host-name": .string(String(repeating: "h", count: 1 << 20))], id: request.id)))
        case 1:  // a million interfaces (no need to hold them: they are streamed)
            return .stream(
                prefix: Array(#"{"return": ["#.utf8), unit: Array(#"{"name": "eth", "hardware-address": "52:54:00:00:00:00"}, "#.utf8),
                count: 1_000_000, suffix: Array(#"{"name": "last"}], "id": "#.utf8) + id + Array("}\n".utf8))
        case 2:  // nesting far past any sane depth
            return .bytes(Array(#"{"return": "#.utf8) + Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000) + Array(", \"id\": ".utf8) + id + Array("}\n".utf8))
        case 3:  // invalid UTF-8 inside a string
            return .bytes(Array(#"{"return": {"host-name": "bad "#.utf8) + [0xC3, 0x28, 0xFE] + Array("\"}, \"id\": ".utf8) + id + Array("}\n".utf8))
        default:  // numbers of absurd size and sign
            return .bytes(Array(#"{"return": [{"logical-id": 1e300, "online": true}, {"logical-id": -99999999999999999999999, "online": "yes"}], "id": "#.utf8) + id + Array("}\n".utf8))
        }
    }

    private func reply(_ reply: QGAReply) -> [UInt8] { line(reply.json) }
    private func line(_ value: JSONValue) -> [UInt8] { JSONWriter(style: .qemu).line(value) }
}
