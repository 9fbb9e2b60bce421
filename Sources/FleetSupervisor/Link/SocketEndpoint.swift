import CLinuxSupport
import Foundation
import NIOCore
import QGA

/// A VM's agent socket, used as `connection` says: one persistent connection that fleetd alone
/// holds (bare QEMU, or fleet-agent's own port), or shared with another client one exchange at
/// a time (`SharedSocketLink`, Proxmox).
public struct SocketEndpoint: AgentEndpoint {
    public let path: String
    let group: any EventLoopGroup
    let limits: QGAStreamLimits
    let timeouts: LinkTimeouts
    let sync: SyncSettings
    let connection: ConnectionMode
    let sharedSyncWait: Duration

    public init(path: String, connection: ConnectionMode, group: any EventLoopGroup, config: SupervisorConfig) {
        self.path = path
        self.group = group
        self.limits = config.replyLimits
        self.timeouts = config.linkTimeouts
        self.sync = SyncSettings(resendEvery: config.syncResend, timeout: config.syncTimeout)
        self.connection = connection
        self.sharedSyncWait = config.sharedSyncWait
    }

    public func open() async throws -> any AgentLink {
        switch connection {
        case .exclusive:
            return try await AgentConnection.connect(
                unixSocket: path, on: group, limits: limits, connectTimeout: timeouts.routine.timeAmount, timeouts: timeouts, sync: sync)
        case .shared:
            // Every exchange connects on its own. Opening only makes sure something listens (a
            // connection that sends nothing and hangs up), so that a stopped VM's socket fails
            // here, as an exclusive connect does, rather than in each exchange's sync.
            let refused = fleet_unix_probe(path)
            guard refused == 0 || refused == EAGAIN else { throw IOError(errnoCode: refused, reason: "connect") }
            return SharedSocketLink(path: path, group: group, limits: limits, timeouts: timeouts, syncWait: sharedSyncWait)
        }
    }

    /// The socket file is gone and inotify has not said so yet (or never will, if the event was
    /// lost): the VM is gone now, not after a string of failed connects.
    public func isGone() -> Bool { !FileManager.default.fileExists(atPath: path) }

    /// When the socket was made: QEMU creates its chardev's socket as the VM starts (and again
    /// when it restarts), so its modification time is the VM's start.
    public func startedAt() -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}
