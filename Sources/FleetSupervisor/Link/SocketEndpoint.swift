import Foundation
import NIOCore
import QGA

/// A VM's agent socket used the way fleetd always has: one persistent connection at a time,
/// which fleetd alone holds (bare QEMU, or fleet-agent's own port).
public struct SocketEndpoint: AgentEndpoint {
    public let path: String
    let group: any EventLoopGroup
    let limits: QGAStreamLimits
    let timeouts: LinkTimeouts
    let sync: SyncSettings

    public init(path: String, group: any EventLoopGroup, config: SupervisorConfig) {
        self.path = path
        self.group = group
        self.limits = config.replyLimits
        self.timeouts = config.linkTimeouts
        self.sync = SyncSettings(resendEvery: config.syncResend, timeout: config.syncTimeout)
    }

    public func open() async throws -> any AgentLink {
        try await AgentConnection.connect(
            unixSocket: path, on: group, limits: limits, connectTimeout: timeouts.routine.timeAmount, timeouts: timeouts, sync: sync)
    }

    /// The socket file is gone and inotify has not said so yet (or never will, if the event was
    /// lost): the VM is gone now, not after a string of failed connects.
    public func isGone() -> Bool { !FileManager.default.fileExists(atPath: path) }
}
