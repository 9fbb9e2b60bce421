/// A directory of agent sockets (`/run/fleet/vms/NAME.sock`, or as `naming` says), each used
/// as `connection` says: bare QEMU, fleet-agent's own ports, or a directory another client
/// shares. A VM's QMP monitor beside its agent socket (`monitors`) gives its run state.
public struct SocketDirectorySource: VMSource {
    public let directory: String
    public let naming: SocketNaming
    public let connection: ConnectionMode
    public let monitors: MonitorNaming?

    public init(directory: String, naming: SocketNaming = SocketNaming(), connection: ConnectionMode = .exclusive, monitors: MonitorNaming? = nil) {
        self.directory = directory
        self.naming = naming
        self.connection = connection
        self.monitors = monitors
    }

    public var label: String { "sockets \(naming.pattern) in \(directory) (\(connection.rawValue))" }

    public func scan() -> [DiscoveredVM] {
        let found = SocketDirectory.scan(directory, naming: naming, monitors: monitors)
        return found.sockets.map { DiscoveredVM(name: $0.key, socketPath: $0.value, connection: connection, monitorPath: found.monitors[$0.key]) }
    }

    public func watch(_ changed: @escaping @Sendable () -> Void) throws -> any SourceWatch {
        let watcher = try SocketDirectoryWatcher(directory: directory, naming: naming, monitors: monitors)
        watcher.forwardChanges(to: changed)
        return watcher
    }
}

extension SocketDirectoryWatcher: SourceWatch {
    /// Every change, as a hint to rescan (sources rescan everything; which socket changed is moot).
    func forwardChanges(to changed: @escaping @Sendable () -> Void) {
        Task { for await _ in changes { changed() } }
    }
}
