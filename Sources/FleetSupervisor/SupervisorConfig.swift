import NIOCore
import QGA

/// Everything about how fleetd treats its VMs. The defaults here are the only place they are
/// written down: fleetd's settings read them (`fleetd --defaults` prints them), and a test holds
/// config/fleetd.yaml to them.
public struct SupervisorConfig: Sendable {
    /// Where fleetd finds VMs: socket directories, Proxmox nodes. A VM two sources report is
    /// supervised once (`VMDiscovery.merge`).
    public var sources: [SourceSpec]
    /// How often a Proxmox source looks at its VMs' configs for a lock (a lock must stop
    /// fleetd's traffic within a heartbeat).
    public var proxmoxConfigPoll: Duration = .seconds(1)
    /// Shared mode: how long an exchange's sync may wait before fleetd asks whether its
    /// connection is queued behind another client's (then the agent is busy, not silent).
    public var sharedSyncWait: Duration = .seconds(1)
    /// Heartbeat (guest-ping) period.
    public var heartbeatInterval: Duration = .seconds(5)
    /// Consecutive missed heartbeats that make a VM unresponsive.
    public var missThreshold = 2
    /// How long a VM that has just started may take before its agent answers: until then missed
    /// heartbeats make it `booting`, not unresponsive.
    public var bootGrace: Duration = .seconds(120)
    /// When a VM that keeps going between responsive and not is shown `flapping`.
    public var flapPolicy = FlapWindow.Policy()
    /// Default time a command may take.
    public var commandTimeout: Duration = .seconds(5)
    /// Longer classes: freeze/thaw/fstrim and exec-status polls.
    public var longCommandTimeout: Duration = .seconds(60)
    public var syncResend: Duration = .milliseconds(500)
    public var syncTimeout: Duration = .seconds(5)
    /// Reconnect backoff: doubles from `backoffInitial` to `backoffMax`, with ±25 % jitter.
    public var backoffInitial: Duration = .milliseconds(250)
    public var backoffMax: Duration = .seconds(30)
    /// A VM frozen longer than this is flagged (`freeze.maxSeconds`).
    public var freezeMax: Duration = .seconds(600)
    /// fleetd thaws a freeze of its own this long after it, unless extended or the caller named
    /// another deadline (`freeze.thawAfterSeconds`).
    public var freezeThawAfter: Duration = .seconds(600)
    /// Safety-net rescan of every source (inotify and polls do the live work).
    public var rescanInterval: Duration = .seconds(30)
    /// How often each inventory item is refreshed while a VM is connected.
    public var inventoryIntervals: [InventoryItem: Duration] = Dictionary(
        uniqueKeysWithValues: InventoryItem.allCases.map { ($0, $0.defaultInterval) })
    /// Inventory refreshes running at once across the whole fleet.
    public var inventoryConcurrency = 64
    public var replyLimits = AgentConnection.defaultLimits
    public var inventoryLimits = InventoryLimits()
    /// The most a guest file read returns, whatever the caller asks.
    public var fileReadLimit: Int64 = 64 << 20

    /// The durations behind the links' timeout classes.
    public var linkTimeouts: LinkTimeouts { LinkTimeouts(routine: commandTimeout, long: longCommandTimeout) }

    public init(sources: [SourceSpec]) { self.sources = sources }

    /// One socket directory: `NAME.sock` (or as `naming` says), used as `connection` says, with
    /// QMP monitors beside the sockets as `monitors` names them.
    public init(
        socketDirectory: String, naming: SocketNaming = SocketNaming(), connection: ConnectionMode = .exclusive,
        monitors: MonitorNaming? = MonitorNaming()
    ) {
        self.sources = [.directory(path: socketDirectory, naming: naming, connection: connection, monitors: monitors)]
    }
}

/// Whether fleetd holds an agent socket or shares it (`--connection`).
public enum ConnectionMode: String, Sendable, CaseIterable {
    /// One persistent connection, fleetd's alone: bare QEMU, fleet-agent's own port.
    case exclusive
    /// A connection per exchange, as Proxmox makes them, so that another client gets its turn.
    case shared
}

/// The inventory fleetd keeps per VM, each refreshed on its own schedule.
public enum InventoryItem: String, Sendable, CaseIterable, Hashable {
    case osInfo, hostName, timezone, network, filesystems, vcpus, memory, users, clock

    /// The commands the item needs; it is skipped while the agent has any of them disabled.
    public var commands: [String] {
        switch self {
        case .osInfo: [GuestGetOSInfoCommand.name]
        case .hostName: [GuestGetHostNameCommand.name]
        case .timezone: [GuestGetTimezoneCommand.name]
        case .network: [GuestNetworkGetInterfacesCommand.name]
        case .filesystems: [GuestGetFsinfoCommand.name]
        case .vcpus: [GuestGetVcpusCommand.name]
        case .memory: [GuestGetMemoryBlockInfoCommand.name]
        case .users: [GuestGetUsersCommand.name]
        case .clock: [GuestGetTimeCommand.name]
        }
    }

    public var defaultInterval: Duration {
        switch self {
        case .osInfo, .timezone, .vcpus, .memory: .seconds(600)
        case .hostName, .users, .filesystems: .seconds(120)
        case .network: .seconds(60)
        case .clock: .seconds(60)
        }
    }
}

extension Duration {
    /// NIO's TimeAmount for connection timeouts.
    public var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// In seconds, for `Date` arithmetic and settings.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// In whole microseconds, as round trips are recorded.
    public var micros: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }
}
