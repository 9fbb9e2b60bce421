import FleetStore
import Foundation
import QGA

/// How long a command may take, by class; each link turns a class into its own timeout
/// (a socket link from fleetd's `timeouts.*`, a libvirt link into libvirt's own terms).
public enum AgentTimeout: Sendable, Equatable {
    /// Most commands: `timeouts.commandSeconds`.
    case routine
    /// Commands that wait on the guest's disks or processes (freeze, thaw, fstrim, exec and its
    /// status polls): `timeouts.longCommandSeconds`.
    case long
    case exactly(Duration)
}

/// The durations behind the timeout classes.
public struct LinkTimeouts: Sendable, Equatable {
    public var routine: Duration
    public var long: Duration

    public init(routine: Duration, long: Duration) {
        self.routine = routine
        self.long = long
    }

    public func duration(_ timeout: AgentTimeout) -> Duration {
        switch timeout {
        case .routine: routine
        case .long: long
        case .exactly(let duration): duration
        }
    }
}

/// One VM's way to its agent, for as long as it lasts: a persistent socket connection (the
/// first kind), a socket shared with another client and used one exchange at a time, or
/// libvirt's agent API. A session drives any of them the same way and knows nothing of sockets.
/// Every failure is an `AgentConnectionError`, contained to this VM.
public protocol AgentLink: AnyObject, Sendable {
    /// Whether the link runs a heartbeat itself (`startHeartbeat`); otherwise the session pings
    /// through `send` on the heartbeat's schedule.
    var supportsPersistentHeartbeat: Bool { get }
    /// False once the link went away (closed by either side).
    var isOpen: Bool { get }
    /// Brings the stream to a known position before anything else is sent (a persistent
    /// socket: 0xFF + guest-sync-delimited); a link whose every exchange syncs itself returns at once.
    func synchronize() async throws
    /// Sends a request (its `id` is the link's own business) and returns the reply; nil for a
    /// success-response false command that stayed silent for its timeout.
    func send(_ request: QGARequest, successResponse: Bool, within timeout: AgentTimeout) async throws -> QGAReply?
    /// Sends several requests (all success-response true) and returns each one's outcome, in
    /// order. A link that can pipelines them (an agent answers in turn); any other sends them one
    /// after another (the default). Never throws: each request fails or succeeds on its own.
    func send(batch requests: [QGARequest], within timeout: AgentTimeout) async -> [LinkReply]
    /// Starts pinging (replacing any earlier heartbeat); only when `supportsPersistentHeartbeat`.
    func startHeartbeat(_ schedule: HeartbeatSchedule)
    func stopHeartbeat()
    /// Returns once the link has gone away: why fleetd ended it, if fleetd did (nil when the
    /// agent's side closed).
    func closed() async -> String?
    func close() async
}

/// One request's outcome in a batch, and when it came back (the clock's drift is measured
/// against it, however long the rest of the batch took).
public struct LinkReply: Sendable {
    public let outcome: Result<QGAReply?, AgentConnectionError>
    public let receivedAt: Millis

    public init(_ outcome: Result<QGAReply?, AgentConnectionError>, receivedAt: Millis = Date().millis) {
        self.outcome = outcome
        self.receivedAt = receivedAt
    }

    /// The reply as the command's typed result (`AgentLinkResults.typed`).
    public func result<C: QGACommand>(_ command: C.Type) throws -> C.Result {
        try AgentLinkResults.typed(command, try outcome.get())
    }
}

extension AgentLink {
    public func send(batch requests: [QGARequest], within timeout: AgentTimeout) async -> [LinkReply] {
        var replies: [LinkReply] = []
        for request in requests {
            do {
                replies.append(LinkReply(.success(try await send(request, successResponse: true, within: timeout))))
            } catch {
                replies.append(LinkReply(.failure(error as? AgentConnectionError ?? .disconnected)))
            }
        }
        return replies
    }

    /// A typed call. Agent errors, timeouts and results that do not fit the schema throw
    /// `AgentConnectionError`. For success-response false commands, silence is success.
    public func call<C: QGACommand>(_ command: C.Type, _ arguments: C.Arguments, within timeout: AgentTimeout = .routine) async throws -> C.Result {
        try AgentLinkResults.typed(command, try await send(command.request(arguments), successResponse: C.successResponse, within: timeout))
    }

    public func call<C: QGACommand>(_ command: C.Type, within timeout: AgentTimeout = .routine) async throws -> C.Result where C.Arguments == QGAEmpty {
        try await call(command, QGAEmpty(), within: timeout)
    }
}

/// A reply as a command's typed result, the same way for a call and for a batch's members.
enum AgentLinkResults {
    /// Agent errors and results that do not fit the schema throw `AgentConnectionError`; for
    /// success-response false commands, silence (nil) is success.
    static func typed<C: QGACommand>(_ command: C.Type, _ reply: QGAReply?) throws -> C.Result {
        guard let reply else { return try decode(command, .object(JSONObject())) }
        switch reply.outcome {
        case .failure(let error):
            FleetMetrics.agentError(.agent(error))
            throw AgentConnectionError.agent(error)
        case .success(let value): return try decode(command, value)
        }
    }

    private static func decode<C: QGACommand>(_ command: C.Type, _ value: JSONValue) throws -> C.Result {
        do {
            return try C.decodeResult(value)
        } catch {
            throw AgentConnectionError.invalidResult(command: C.name, error)
        }
    }
}

/// Where a session's links come from: one per VM, opened again after each one ends.
public protocol AgentEndpoint: Sendable {
    /// Opens a link (for a persistent socket: connects).
    func open() async throws -> any AgentLink
    /// After a failed open: whether the VM's way to its agent is gone for good (its socket file
    /// removed), so the session ends rather than retrying.
    func isGone() -> Bool
    /// When the VM last started, where the endpoint can tell (nil otherwise): a VM that started
    /// within the boot grace is `booting`, not unresponsive, until its agent first answers.
    func startedAt() -> Date?
}

extension AgentEndpoint {
    public func startedAt() -> Date? { nil }
}
