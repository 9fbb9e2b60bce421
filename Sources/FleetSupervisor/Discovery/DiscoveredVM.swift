import FleetStore

/// A VM a source found: its name, its agent's socket and how fleetd may use it, and whether
/// fleetd must leave it alone now.
public struct DiscoveredVM: Sendable, Equatable {
    public var name: String
    public var socketPath: String
    public var connection: ConnectionMode
    /// Proxmox's number for the VM.
    public var vmid: Int64?
    /// Why fleetd sends the VM nothing now; nil when it supervises it.
    public var hold: VMHold?
    /// The VM's QMP monitor socket, where fleetd may follow its run state (bare QEMU only).
    public var monitorPath: String?

    public init(
        name: String, socketPath: String, connection: ConnectionMode, vmid: Int64? = nil, hold: VMHold? = nil, monitorPath: String? = nil
    ) {
        self.name = name
        self.socketPath = socketPath
        self.connection = connection
        self.vmid = vmid
        self.hold = hold
        self.monitorPath = monitorPath
    }

    /// Two reports of one VM lead to the same session only when its agent is reached the same way.
    func sameLink(as other: DiscoveredVM) -> Bool {
        socketPath == other.socketPath && connection == other.connection
    }

    var attachment: VMAttachment { VMAttachment(name: name, socketPath: socketPath, vmid: vmid) }
}

/// Why fleetd leaves a VM alone: the state it shows and the reason it gives.
public enum VMHold: Sendable, Equatable {
    /// Proxmox holds a lock on the VM (`lock: backup` in its config): another tool is at work on it.
    case locked(String)
    /// The VM's config turns its guest agent off.
    case agentDisabled(config: String)
    /// A Proxmox socket with no VM config beside it: fleetd cannot know whether a lock is set.
    case noConfig(config: String)

    public var state: VMState {
        if case .locked = self { return .locked }
        return .disabled
    }

    public var reason: String {
        switch self {
        case .locked(let lock): "locked by Proxmox (\(lock)): fleetd sends it nothing until the lock goes"
        case .agentDisabled(let config): "guest agent disabled in \(config)"
        case .noConfig(let config): "no VM config \(config)"
        }
    }

    public var lock: String? {
        if case .locked(let lock) = self { return lock }
        return nil
    }
}
