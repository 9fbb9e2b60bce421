import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import FleetStore
import Foundation
import QGA

/// How a persistent connection synchronises: 0xFF + guest-sync-delimited resent every
/// `resendEvery` until the newest id returns, for at most `timeout`.
public struct SyncSettings: Sendable, Equatable {
    public var resendEvery: Duration
    public var timeout: Duration

    public init(resendEvery: Duration = .milliseconds(500), timeout: Duration = .seconds(5)) {
        self.resendEvery = resendEvery
        self.timeout = timeout
    }
}

/// One persistent, exclusive connection to a VM's agent socket (the `-chardev socket` QEMU
/// gives the VM): connect, sync, then typed calls and a heartbeat on the channel's event loop.
/// The first kind of `AgentLink`. Safe to use from any task; all state lives on the event loop.
public final class AgentConnection: AgentLink {
    public let channel: any Channel
    private let countersBox: NIOLockedValueBox<ConnectionCounters>
    private let timeouts: LinkTimeouts
    private let syncSettings: SyncSettings

    /// The receive buffer each connection keeps.
    static let receiveBufferBytes = 2048

    /// Replies a reply may not exceed by default: a full 16 MiB exec capture in base64 fits.
    public static let defaultLimits = QGAStreamLimits(maxMessageBytes: 32 << 20, maxTokens: 2 << 20, maxDepth: 64)

    private init(channel: any Channel, counters: NIOLockedValueBox<ConnectionCounters>, timeouts: LinkTimeouts, sync: SyncSettings) {
        self.channel = channel
        self.countersBox = counters
        self.timeouts = timeouts
        self.syncSettings = sync
    }

    /// Connects to a unix socket.
    public static func connect(
        unixSocket path: String, on group: any EventLoopGroup, limits: QGAStreamLimits = defaultLimits,
        connectTimeout: TimeAmount = .seconds(5),
        timeouts: LinkTimeouts = LinkTimeouts(routine: .seconds(5), long: .seconds(60)), sync: SyncSettings = SyncSettings()
    ) async throws -> AgentConnection {
        let counters = NIOLockedValueBox(ConnectionCounters())
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            // NIO keeps each channel's receive buffer for reuse at the largest size it ever
            // grew to (64 KiB after one big reply), for the connection's life: at 10,000 VMs
            // that is up to 640 MiB for buffers that mostly carry 20-byte pings. A fixed 2 KiB
            // buffer reads a large reply in more reads and holds 20 MiB.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.receiveBufferBytes))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try AgentPipeline.install(on: channel, limits: limits, counters: counters)
                }
            }
            .connect(unixDomainSocketPath: path)
            .get()
        return AgentConnection(channel: channel, counters: counters, timeouts: timeouts, sync: sync)
    }

    // MARK: AgentLink

    public var supportsPersistentHeartbeat: Bool { true }
    public var isOpen: Bool { channel.isActive }

    public func synchronize() async throws {
        try await sync(resendEvery: syncSettings.resendEvery.timeAmount, timeout: syncSettings.timeout.timeAmount)
    }

    public func send(_ request: QGARequest, successResponse: Bool, within timeout: AgentTimeout) async throws -> QGAReply? {
        try await send(request, successResponse: successResponse, timeout: timeouts.duration(timeout).timeAmount)
    }

    /// All of them in one write, answered in turn: one trip to the event loop and back, one
    /// syscall, one wake-up of the guest's side, where one request at a time costs each of
    /// those per request (at 10,000 VMs, inventory rounds of two to five items).
    public func send(batch requests: [QGARequest], within timeout: AgentTimeout) async -> [LinkReply] {
        let loop = channel.eventLoop
        let timeAmount = timeouts.duration(timeout).timeAmount
        let promises = requests.map { _ in loop.makePromise(of: QGAReply?.self) }
        // Each reply stamped as it arrives, on the event loop.
        let stamped = promises.map { promise in
            promise.futureResult
                .map { LinkReply(.success($0)) }
                .recover { LinkReply(.failure($0 as? AgentConnectionError ?? .disconnected)) }
        }
        loop.execute { [channel] in
            for (request, promise) in zip(requests, promises) {
                // A closed channel never hands the request to the handler: fail it here instead.
                channel.write(AgentRequest(request: request, successResponse: true, timeout: timeAmount, promise: promise)).whenFailure { _ in
                    promise.fail(AgentConnectionError.disconnected)
                }
            }
            channel.flush()
        }
        let replies = (try? await EventLoopFuture.whenAllSucceed(stamped, on: loop).get()) ?? []
        for reply in replies {
            if case .failure(let error) = reply.outcome { FleetMetrics.agentError(error) }
        }
        return replies
    }

    public func closed() async -> String? {
        try? await channel.closeFuture.get()
        return counters.closedBecause
    }

    public var counters: ConnectionCounters { countersBox.withLockedValue { $0 } }

    /// 0xFF + guest-sync-delimited with a fresh random id, resent every `resendEvery` until the
    /// newest id comes back (early ones may come back late, in a burst, from a booting guest).
    public func sync(resendEvery: TimeAmount = .milliseconds(500), timeout: TimeAmount = .seconds(10)) async throws {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.triggerUserOutboundEvent(AgentControl.sync(resendEvery: resendEvery, timeout: timeout), promise: promise)
        do {
            try await promise.futureResult.get()
        } catch let error as AgentConnectionError {
            throw error
        } catch {
            // The channel closed before (or while) the handler had it.
            throw AgentConnectionError.disconnected
        }
    }

    /// Sends a request (its `id` is replaced by the connection's own) and returns the reply;
    /// nil for a success-response false command that stayed silent for `timeout`.
    public func send(_ request: QGARequest, successResponse: Bool = true, timeout: TimeAmount) async throws -> QGAReply? {
        let promise = channel.eventLoop.makePromise(of: QGAReply?.self)
        // A closed channel never hands the request to the handler: fail it here instead.
        channel.writeAndFlush(AgentRequest(request: request, successResponse: successResponse, timeout: timeout, promise: promise)).whenFailure { _ in
            promise.fail(AgentConnectionError.disconnected)
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as AgentConnectionError {
            FleetMetrics.agentError(error)
            throw error
        }
    }

    /// A typed call with an exact timeout (tests, and callers that know better than a class).
    public func call<C: QGACommand>(_ command: C.Type, _ arguments: C.Arguments, timeout: TimeAmount) async throws -> C.Result {
        try await call(command, arguments, within: .exactly(.nanoseconds(timeout.nanoseconds)))
    }

    public func call<C: QGACommand>(_ command: C.Type, timeout: TimeAmount) async throws -> C.Result where C.Arguments == QGAEmpty {
        try await call(command, QGAEmpty(), timeout: timeout)
    }

    /// Starts pinging on the channel's event loop (replacing any earlier heartbeat). Every
    /// outcome goes to `schedule.report`; the heartbeat ends by itself after an outcome that
    /// needs a resync, and the connection closing always reports `.disconnected`.
    public func startHeartbeat(_ schedule: HeartbeatSchedule) {
        let accepted = channel.eventLoop.makePromise(of: Void.self)
        accepted.futureResult.whenFailure { _ in schedule.report(.failed(.disconnected)) }
        channel.triggerUserOutboundEvent(AgentControl.startHeartbeat(schedule), promise: accepted)
    }

    public func stopHeartbeat() {
        channel.triggerUserOutboundEvent(AgentControl.stopHeartbeat, promise: nil)
    }

    public func close() async {
        try? await channel.close()
    }
}
