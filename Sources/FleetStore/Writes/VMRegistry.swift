import GRDB

/// The `vm` and `vm_transition` tables: the VMs fleetd knows and every change of state.
enum VMRegistry {
    /// The VM's id, registering it (as `disconnected`) the first time its socket is seen.
    /// A known VM keeps its id, state and history; only its socket path is refreshed.
    static func register(_ db: Database, name: String, socketPath: String, at time: Millis) throws -> Int64 {
        if let id = try db.value(Int64.self, "SELECT id FROM vm WHERE name = ?", [name]) {
            try db.run("UPDATE vm SET socket_path = ? WHERE id = ? AND socket_path != ?", [socketPath, id, socketPath])
            return id
        }
        try db.execute(
            sql: """
                INSERT INTO vm (name, socket_path, state, state_since, state_reason, first_seen)
                VALUES (?, ?, 'disconnected', ?, 'socket appeared', ?)
                """,
            arguments: [name, socketPath, time, time])
        let id = db.lastInsertedRowID
        try db.execute(
            sql: "INSERT INTO vm_transition (vm_id, at, from_state, to_state, reason) VALUES (?, ?, NULL, 'disconnected', 'socket appeared')",
            arguments: [id, time])
        return id
    }

    /// Registers a VM whose socket fleetd is about to serve. A VM remembered as gone, or in any
    /// state from an earlier run, starts over from disconnected (recorded as a transition).
    static func attach(_ db: Database, name: String, socketPath: String, at time: Millis) throws -> Int64 {
        let id = try register(db, name: name, socketPath: socketPath, at: time)
        let state = try db.value(VMState.self, "SELECT state FROM vm WHERE id = ?", [id]) ?? .disconnected
        if state != .disconnected {
            try transition(db, vmID: id, to: .disconnected, reason: state == .gone ? "socket reappeared" : "fleetd started", at: time)
        }
        return id
    }

    /// Moves a VM to `state`, recording the transition; does nothing when it is already there.
    /// Returns whether the state changed.
    @discardableResult
    static func transition(_ db: Database, vmID: Int64, to state: VMState, reason: String, at time: Millis) throws -> Bool {
        guard let current = try db.value(VMState.self, "SELECT state FROM vm WHERE id = ?", [vmID]) else {
            return false
        }
        guard current != state else { return false }
        try db.run("UPDATE vm SET state = ?, state_since = ?, state_reason = ? WHERE id = ?", [state, time, reason, vmID])
        try db.run(
            "INSERT INTO vm_transition (vm_id, at, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)",
            [vmID, time, current, state, reason])
        return true
    }

    /// A new reason for the state the VM stays in (an agent busy with another client, and the
    /// answer that ends it): the row says it; the state's history and its start are unchanged.
    static func restate(_ db: Database, vmID: Int64, reason: String) throws {
        try db.run("UPDATE vm SET state_reason = ? WHERE id = ?", [reason, vmID])
    }

    /// Writes a VM's live heartbeat figures (`LiveHeartbeats`) to its row.
    static func storeHeartbeat(_ db: Database, vmID: Int64, _ figures: HeartbeatFigures) throws {
        try db.run(
            """
                UPDATE vm SET ping_ok = ?, ping_missed = ?, last_seen = ?,
                              rtt_last_us = ?, rtt_min_us = ?, rtt_max_us = ?, rtt_ewma_us = ?
                WHERE id = ?
                """,
            [figures.pingOk, figures.pingMissed, figures.lastSeen,
             figures.rttLastUs, figures.rttMinUs, figures.rttMaxUs, figures.rttEwmaUs, vmID])
    }
}

/// The VMs a supervisor serves: registration, and what became of those whose socket went.
extension FleetStore {
    /// Registers VMs whose sockets fleetd is about to serve, all in one transaction (at start-up
    /// 10,000 VMs appear at once; one commit each held every session back for seconds).
    /// Returns their ids, in order. Their heartbeat figures go live (`LiveHeartbeats`).
    public func attachVMs(_ vms: [(name: String, socketPath: String)], at time: Millis) async throws -> [Int64] {
        let (ids, stored) = try await database.write { db in
            let ids = try vms.map { try VMRegistry.attach(db, name: $0.name, socketPath: $0.socketPath, at: time) }
            return (ids, try VMRecord.fetchAll(db, keys: ids))
        }
        heartbeats.seed(stored.map { ($0.id, HeartbeatFigures(of: $0)) })
        return ids
    }

    /// Marks every VM the store remembers that is not in `present` as gone, with `reason`.
    public func markGone(allBut present: Set<String>, reason: String, at time: Millis) async throws {
        try await database.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, name FROM vm WHERE state != 'gone'")
            for row in rows where !present.contains(row["name"]) {
                try VMRegistry.transition(db, vmID: row["id"], to: .gone, reason: reason, at: time)
            }
        }
    }
}
