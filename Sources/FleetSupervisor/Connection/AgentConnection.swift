import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import QGA

/// One connection to a VM's agent socket: connect, sync, then typed calls. Safe to use from any
/// task; all state lives on the channel's event loop.
public final class AgentConnection: Sendable {
    public let channel: any Channel
    private let countersBox: NIOLockedValueBox<ConnectionCounters>

    /// Replies a reply may not exceed by default: a full 16 MiB exec capture in base64 fits.
    public static let defaultLimits = QGAStreamLimits(maxMessageBytes: 32 << 20, maxTokens: 2 << 20, maxDepth: 64)

    private init(channel: any Channel, counters: NIOLockedValueBox<ConnectionCounters>) {
        self.channel = channel
        self.countersBox = counters
    }

    /// Connects to a unix socket (the `-chardev socket` QEMU gives the VM).
    public static func connect(
        unixSocket path: String, on group: any EventLoopGroup, limits: QGAStreamLimits = defaultLimits,
        connectTimeout: TimeAmount = .seconds(5)
    ) async throws -> AgentConnection {
        let counters = NIOLockedValueBox(ConnectionCounters())
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AgentChannelHandler(limits: limits, counters: counters))
                }
            }
            .connect(unixDomainSocketPath: path)
            .get()
        return AgentConnection(channel: channel, counters: counters)
    }

    public var counters: ConnectionCounters { countersBox.withLockedValue { $0 } }

    /// 0xFF + guest-sync-delimited with a fresh random id, resent every `resendEvery` until the
    /// newest id comes back (early ones may come back late, in a burst, from a booting guest).
    public func sync(resendEvery: TimeAmount = .milliseconds(500), timeout: TimeAmount = .seconds(10)) async throws {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        // A closed channel never hands the message to the handler: fail it here instead.
        channel.writeAndFlush(AgentOutbound.sync(resendEvery: resendEvery, timeout: timeout, promise)).whenFailure { _ in
            promise.fail(AgentConnectionError.disconnected)
        }
        FleetMetrics.resyncs.increment()
        try await promise.futureResult.get()
    }

    /// Sends a request (its `id` is replaced by the connection's own) and returns the reply;
    /// nil for a success-response false command that stayed silent for `timeout`.
    public func send(_ request: QGARequest, successResponse: Bool = true, timeout: TimeAmount) async throws -> QGAReply? {
        let promise = channel.eventLoop.makePromise(of: QGAReply?.self)
        channel.writeAndFlush(AgentOutbound.request(request, successResponse: successResponse, timeout: timeout, promise)).whenFailure { _ in
            promise.fail(AgentConnectionError.disconnected)
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as AgentConnectionError {
            FleetMetrics.agentError(error)
            throw error
        }
    }

    /// A typed call. Agent errors, timeouts and results that do not fit the schema throw
    /// `AgentConnectionError`. For success-response false commands, silence for `timeout` is success.
    public func call<C: QGACommand>(_ command: C.Type, _ arguments: C.Arguments, timeout: TimeAmount) async throws -> C.Result {
        let reply = try await send(command.request(arguments), successResponse: C.successResponse, timeout: timeout)
        guard let reply else { return try Self.decode(command, .object(JSONObject())) }
        switch reply.outcome {
        case .failure(let error):
            FleetMetrics.agentError(.agent(error))
            throw AgentConnectionError.agent(error)
        case .success(let value): return try Self.decode(command, value)
        }
    }

    public func call<C: QGACommand>(_ command: C.Type, timeout: TimeAmount) async throws -> C.Result where C.Arguments == QGAEmpty {
        try await call(command, QGAEmpty(), timeout: timeout)
    }

    private static func decode<C: QGACommand>(_ command: C.Type, _ value: JSONValue) throws -> C.Result {
        do {
            return try C.decodeResult(value)
        } catch {
            throw AgentConnectionError.invalidResult(command: C.name, error)
        }
    }

    /// Starts pinging on the channel's event loop (replacing any earlier heartbeat). Every
    /// outcome goes to `schedule.report`; the heartbeat ends by itself after an outcome that
    /// needs a resync, and the connection closing always reports `.disconnected`.
    public func startHeartbeat(_ schedule: HeartbeatSchedule) {
        channel.writeAndFlush(AgentOutbound.startHeartbeat(schedule)).whenFailure { _ in
            schedule.report(.failed(.disconnected))
        }
    }

    public func stopHeartbeat() {
        channel.writeAndFlush(AgentOutbound.stopHeartbeat, promise: nil)
    }

    public func close() async {
        try? await channel.close()
    }
}
