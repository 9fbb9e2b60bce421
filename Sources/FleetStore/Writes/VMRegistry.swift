import GRDB

/// The `vm` and `vm_transition` tables: the VMs fleetd knows and every change of state.
enum VMRegistry {
    /// The VM's id, registering it (as `disconnected`) the first time it is seen. A known VM
    /// keeps its id, state and history; its socket path and vmid are refreshed, and a Proxmox VM
    /// renamed since keeps its row under the new name.
    static func register(_ db: Database, _ vm: VMAttachment, at time: Millis) throws -> Int64 {
        if let id = try existingID(db, vm) {
            try db.run(
                "UPDATE vm SET name = ?, socket_path = ?, vmid = ? WHERE id = ? AND (name != ? OR socket_path != ? OR vmid IS NOT ?)",
                [vm.name, vm.socketPath, vm.vmid, id, vm.name, vm.socketPath, vm.vmid])
            return id
        }
        try db.execute(
            sql: """
                INSERT INTO vm (name, socket_path, vmid, state, state_since, state_reason, first_seen)
                VALUES (?, ?, ?, 'disconnected', ?, 'socket appeared', ?)
                """,
            arguments: [vm.name, vm.socketPath, vm.vmid, time, time])
        let id = db.lastInsertedRowID
        try db.execute(
            sql: "INSERT INTO vm_transition (vm_id, at, from_state, to_state, reason) VALUES (?, ?, NULL, 'disconnected', 'socket appeared')",
            arguments: [id, time])
        return id
    }

    static func register(_ db: Database, name: String, socketPath: String, at time: Millis) throws -> Int64 {
        try register(db, VMAttachment(name: name, socketPath: socketPath), at: time)
    }

    /// The row a VM already has: by name, or — for a Proxmox VM whose name is new — by its vmid,
    /// unless that row's name belongs to a VM a source reports now (two VMs must not share a row).
    private static func existingID(_ db: Database, _ vm: VMAttachment) throws -> Int64? {
        if let id = try db.value(Int64.self, "SELECT id FROM vm WHERE name = ?", [vm.name]) { return id }
        guard let vmid = vm.vmid else { return nil }
        return try db.value(Int64.self, "SELECT id FROM vm WHERE vmid = ? AND state = 'gone' ORDER BY state_since DESC LIMIT 1", [vmid])
    }

    /// Registers a VM whose agent fleetd is about to serve. A VM remembered in any other state
    /// starts over from disconnected (recorded as a transition, with why).
    static func attach(_ db: Database, _ vm: VMAttachment, at time: Millis) throws -> Int64 {
        let id = try register(db, vm, at: time)
        try db.run("UPDATE vm SET lock = NULL WHERE id = ? AND lock IS NOT NULL", [id])
        let state = try db.value(VMState.self, "SELECT state FROM vm WHERE id = ?", [id]) ?? .disconnected
        if state != .disconnected {
            try transition(db, vmID: id, to: .disconnected, reason: vm.resumeReason(from: state), at: time)
        }
        return id
    }

    /// Registers a VM fleetd must leave alone (`locked`, `disabled`) and records why.
    static func hold(_ db: Database, _ vm: VMAttachment, in state: VMState, reason: String, lock: String?, at time: Millis) throws -> Int64 {
        let id = try register(db, vm, at: time)
        try db.run("UPDATE vm SET lock = ? WHERE id = ? AND lock IS NOT ?", [lock, id, lock])
        // Already held: the lock may have changed (backup → snapshot) without the state changing.
        if try !transition(db, vmID: id, to: state, reason: reason, at: time) {
            try restate(db, vmID: id, reason: reason)
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
    public func attachVMs(_ vms: [VMAttachment], at time: Millis) async throws -> [Int64] {
        let (ids, stored) = try await database.write { db in
            let ids = try vms.map { try VMRegistry.attach(db, $0, at: time) }
            return (ids, try VMRecord.fetchAll(db, keys: ids))
        }
        heartbeats.seed(stored.map { ($0.id, HeartbeatFigures(of: $0)) })
        return ids
    }

    public func attachVMs(_ vms: [(name: String, socketPath: String)], at time: Millis) async throws -> [Int64] {
        try await attachVMs(vms.map { VMAttachment(name: $0.name, socketPath: $0.socketPath) }, at: time)
    }

    /// Records VMs fleetd must leave alone now, each in its state (`locked`, `disabled`) with
    /// why; registers those it has not seen. No heartbeat figures go live: nothing is sent.
    public func holdVMs(_ vms: [(vm: VMAttachment, state: VMState, reason: String, lock: String?)], at time: Millis) async throws {
        try await database.write { db in
            for held in vms {
                _ = try VMRegistry.hold(db, held.vm, in: held.state, reason: held.reason, lock: held.lock, at: time)
            }
        }
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

    /// Marks the named VMs gone (a held VM whose source no longer reports it), with `reason`.
    public func markGone(_ names: [String], reason: String, at time: Millis) async throws {
        try await database.write { db in
            for name in names {
                guard let id = try db.value(Int64.self, "SELECT id FROM vm WHERE name = ?", [name]) else { continue }
                try VMRegistry.transition(db, vmID: id, to: .gone, reason: reason, at: time)
                try db.run("UPDATE vm SET lock = NULL WHERE id = ? AND lock IS NOT NULL", [id])
            }
        }
    }
}
