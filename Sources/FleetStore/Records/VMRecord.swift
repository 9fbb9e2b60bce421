import GRDB

/// A VM's session state, as stored and shown.
public enum VMState: String, Sendable, CaseIterable, Codable, DatabaseValueConvertible {
    case disconnected, connecting, syncing, responsive, unresponsive, frozen, gone
    /// Another tool holds the VM (a Proxmox lock: backup, migrate, snapshot…): fleetd sends it
    /// nothing until the lock goes.
    case locked
    /// Its stack says not to use its agent (Proxmox: `agent` off, or no VM config at all).
    case disabled
    /// The VM has just started and its agent has not answered yet: not unresponsive until the
    /// boot grace has passed.
    case booting
    /// It went between responsive and not too often lately: shown so until it has been stable.
    case flapping
    /// The VM's CPUs do not run (paused by its operator, a migration, an I/O error, or suspended
    /// to RAM), as QMP or libvirt says: no heartbeat is missed and no command is sent meanwhile.
    case paused
    /// The VM does not run at all (shut down, crashed, a libvirt domain shut off): supervised
    /// again when it starts.
    case stopped
}

/// One row of the `vm` table.
public struct VMRecord: Sendable, Equatable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "vm"

    public var id: Int64
    public var name: String
    public var socketPath: String
    public var state: VMState
    public var stateSince: Millis
    public var stateReason: String
    public var firstSeen: Millis
    public var lastSeen: Millis?
    public var pingOk: Int64
    public var pingMissed: Int64
    /// Heartbeat round trips in microseconds (columns `rtt_*_us`).
    public var rttLastUs: Int64?
    public var rttMinUs: Int64?
    public var rttMaxUs: Int64?
    public var rttEwmaUs: Double?
    /// Proxmox's number for the VM; nil for VMs of other sources.
    public var vmid: Int64?
    /// The lock Proxmox holds on the VM now.
    public var lock: String?

    enum CodingKeys: String, CodingKey {
        case id, name, socketPath = "socket_path", state, stateSince = "state_since", stateReason = "state_reason", firstSeen = "first_seen", lastSeen = "last_seen", pingOk = "ping_ok", pingMissed = "ping_missed", rttLastUs = "rtt_last_us", rttMinUs = "rtt_min_us", rttMaxUs = "rtt_max_us", rttEwmaUs = "rtt_ewma_us", vmid, lock
    }
}

/// A row of `vm_transition`.
public struct TransitionRecord: Sendable, Equatable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "vm_transition"

    public var at: Millis
    public var fromState: VMState?
    public var toState: VMState
    public var reason: String

    public init(at: Millis, fromState: VMState?, toState: VMState, reason: String) {
        self.at = at
        self.fromState = fromState
        self.toState = toState
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case at, fromState = "from_state", toState = "to_state", reason
    }
}

extension VMRecord {
    /// Read by hand: listings read every VM's row, and GRDB's Codable decoder costs several
    /// times as much per row.
    public init(row: Row) throws {
        id = row[CodingKeys.id.rawValue]
        name = row[CodingKeys.name.rawValue]
        socketPath = row[CodingKeys.socketPath.rawValue]
        state = row[CodingKeys.state.rawValue]
        stateSince = row[CodingKeys.stateSince.rawValue]
        stateReason = row[CodingKeys.stateReason.rawValue]
        firstSeen = row[CodingKeys.firstSeen.rawValue]
        lastSeen = row[CodingKeys.lastSeen.rawValue]
        pingOk = row[CodingKeys.pingOk.rawValue]
        pingMissed = row[CodingKeys.pingMissed.rawValue]
        rttLastUs = row[CodingKeys.rttLastUs.rawValue]
        rttMinUs = row[CodingKeys.rttMinUs.rawValue]
        rttMaxUs = row[CodingKeys.rttMaxUs.rawValue]
        rttEwmaUs = row[CodingKeys.rttEwmaUs.rawValue]
        vmid = row[CodingKeys.vmid.rawValue]
        lock = row[CodingKeys.lock.rawValue]
    }
}
