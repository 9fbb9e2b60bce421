import CLinuxSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import QGA

/// A VM's agent socket shared with another client that, as Proxmox does, connects for each
/// command and hangs up at once. QEMU serves one client at a time and leaves every other
/// connect queued, so fleetd holds the socket no longer than that client does: each exchange is
/// a connection of its own — connect, 0xFF + guest-sync-delimited, the request only once the
/// sync has come back, the reply, close. A connection fleetd abandons while queued behind the
/// other client thus leaves nothing in the agent but a sync, which every client skips. A sync
/// that does not come back while a connection waits in the socket's accept queue is `busy`, not
/// a miss. One exchange at a time per VM: fleetd never queues several connections on a socket.
public final class SharedSocketLink: AgentLink {
    let path: String
    let group: any EventLoopGroup
    let limits: QGAStreamLimits
    let timeouts: LinkTimeouts
    /// How long a connection waits for its sync before fleetd asks whether it is still queued.
    let syncWait: Duration
    private let turn = AsyncSemaphore(1)
    private let ended = NIOLockedValueBox(false)
    private let endings: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation) = AsyncStream.makeStream()

    public init(path: String, group: any EventLoopGroup, limits: QGAStreamLimits, timeouts: LinkTimeouts, syncWait: Duration) {
        self.path = path
        self.group = group
        self.limits = limits
        self.timeouts = timeouts
        self.syncWait = syncWait
    }

    public var supportsPersistentHeartbeat: Bool { false }
    public var isOpen: Bool { !ended.withLockedValue { $0 } }

    /// A sync-only exchange: the agent answers through this socket.
    public func synchronize() async throws {
        try await exchange { _ in }
    }

    public func send(_ request: QGARequest, successResponse: Bool, within timeout: AgentTimeout) async throws -> QGAReply? {
        let timeAmount = timeouts.duration(timeout).timeAmount
        return try await exchange { try await $0.send(request, successResponse: successResponse, timeout: timeAmount) }
    }

    /// A batch is one exchange: one connect and one sync for all of it (an inventory round holds
    /// the socket a few milliseconds, where a connection per item would queue the other client
    /// behind fleetd once per item). If the exchange cannot start, every member fails alike.
    public func send(batch requests: [QGARequest], within timeout: AgentTimeout) async -> [LinkReply] {
        do {
            return try await exchange { await $0.send(batch: requests, within: timeout) }
        } catch {
            let failure = LinkReply(.failure(error as? AgentConnectionError ?? .disconnected))
            return requests.map { _ in failure }
        }
    }

    /// Never called: the session polls (`supportsPersistentHeartbeat` is false).
    public func startHeartbeat(_ schedule: HeartbeatSchedule) {}
    public func stopHeartbeat() {}

    /// Only fleetd ends a shared link; each exchange's connection ends on its own.
    public func closed() async -> String? {
        for await _ in endings.stream {}
        return nil
    }

    public func close() async {
        ended.withLockedValue { $0 = true }
        endings.continuation.finish()
    }

    private func exchange<T: Sendable>(_ conversation: @Sendable (AgentConnection) async throws -> T) async throws -> T {
        guard isOpen else { throw AgentConnectionError.disconnected }
        await turn.wait()
        let result = await Self.outcome { try await self.exchangeInTurn(conversation) }
        await turn.signal()
        return try result.get()
    }

    /// One connection, closed whatever happens on it.
    private func exchangeInTurn<T: Sendable>(_ conversation: @Sendable (AgentConnection) async throws -> T) async throws -> T {
        let connection: AgentConnection
        do {
            connection = try await AgentConnection.connect(
                unixSocket: path, on: group, limits: limits, connectTimeout: syncWait.timeAmount, timeouts: timeouts)
        } catch let error as IOError where error.errnoCode == EAGAIN {
            // The accept queue is full: the socket's one client and a connect already waiting.
            throw AgentConnectionError.busy
        } catch {
            throw AgentConnectionError.disconnected
        }
        let result = await Self.outcome { try await self.converse(on: connection, conversation) }
        await connection.close()
        return try result.get()
    }

    /// The sync (one attempt: a resend on a queued connection would only queue more syncs), then
    /// the conversation: a request, a batch, or nothing.
    private func converse<T: Sendable>(on connection: AgentConnection, _ conversation: @Sendable (AgentConnection) async throws -> T) async throws -> T {
        do {
            try await connection.sync(resendEvery: syncWait.timeAmount * 2, timeout: syncWait.timeAmount)
        } catch AgentConnectionError.syncTimeout {
            throw AcceptQueue.isQueued(path) ? AgentConnectionError.busy : AgentConnectionError.syncTimeout
        }
        return try await conversation(connection)
    }

    /// `Result(catching:)` for async work: what must happen after it (a close, the next turn)
    /// happens once, whichever way it ended.
    private static func outcome<T>(_ work: () async throws -> T) async -> Result<T, any Error> {
        do {
            return .success(try await work())
        } catch {
            return .failure(error)
        }
    }
}
