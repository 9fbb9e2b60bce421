import GRDB

/// One write a supervisor queues for the next batched commit. Made only by the intent-named
/// constructors below, so every change keeps the schema's invariants and no SQL leaves the store.
public struct StoreChange: Sendable {
    let apply: @Sendable (Database) throws -> Void

    /// A VM's state changed: the vm row and its history, together.
    public static func transition(vmID: Int64, to state: VMState, reason: String, at time: Millis) -> StoreChange {
        StoreChange { db in try VMRegistry.transition(db, vmID: vmID, to: state, reason: reason, at: time) }
    }

    /// The VM stays in its state for a new reason (no history row: the state did not change).
    public static func restate(vmID: Int64, reason: String) -> StoreChange {
        StoreChange { db in try VMRegistry.restate(db, vmID: vmID, reason: reason) }
    }

    /// The VM's current facts of one kind are now `facts`: spans that ended are closed, new ones opened.
    public static func facts<Fact: SpanFact>(vmID: Int64, _ facts: [Fact], at time: Millis) -> StoreChange {
        StoreChange { db in try FactSpans.replace(db, vmID: vmID, with: facts, at: time) }
    }

    /// The latest counters of each interface (kept as one sample, overwritten in place: an upsert
    /// updates the row where it lies, where REPLACE deleted and reinserted it and rebalanced the tree).
    public static func interfaceCounters(vmID: Int64, _ counters: [InterfaceCounters], at time: Millis) -> StoreChange {
        StoreChange { db in
            for c in counters {
                try db.run(
                    """
                        INSERT INTO interface_counters
                        (vm_id, name, sampled_at, rx_bytes, rx_packets, rx_errs, rx_dropped, tx_bytes, tx_packets, tx_errs, tx_dropped)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (vm_id, name) DO UPDATE SET
                        sampled_at = excluded.sampled_at, rx_bytes = excluded.rx_bytes, rx_packets = excluded.rx_packets,
                        rx_errs = excluded.rx_errs, rx_dropped = excluded.rx_dropped, tx_bytes = excluded.tx_bytes,
                        tx_packets = excluded.tx_packets, tx_errs = excluded.tx_errs, tx_dropped = excluded.tx_dropped
                        """,
                    [vmID, c.name, time, c.rxBytes, c.rxPackets, c.rxErrs, c.rxDropped, c.txBytes, c.txPackets, c.txErrs, c.txDropped])
            }
        }
    }

    /// The latest usage of each filesystem (one sample, overwritten in place).
    public static func filesystemUsage(vmID: Int64, _ usage: [FilesystemUsage], at time: Millis) -> StoreChange {
        StoreChange { db in
            for u in usage {
                try db.run(
                    """
                        INSERT INTO filesystem_usage (vm_id, mountpoint, sampled_at, used_bytes, total_bytes) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (vm_id, mountpoint) DO UPDATE SET
                        sampled_at = excluded.sampled_at, used_bytes = excluded.used_bytes, total_bytes = excluded.total_bytes
                        """,
                    [vmID, u.mountpoint, time, u.usedBytes, u.totalBytes])
            }
        }
    }

    /// The agent refused a command as unknown or disabled (recorded once, until the next guest-info).
    public static func unsupportedCommand(vmID: Int64, _ command: String, reason: String, at time: Millis) -> StoreChange {
        StoreChange { db in
            try db.run(
                "INSERT OR IGNORE INTO unsupported_command (vm_id, command, since, reason) VALUES (?, ?, ?, ?)",
                [vmID, command, time, reason])
        }
    }

    /// A fresh guest-info: what the agent refused before may work now.
    public static func clearUnsupportedCommands(vmID: Int64) -> StoreChange {
        StoreChange { db in try db.run("DELETE FROM unsupported_command WHERE vm_id = ?", [vmID]) }
    }

    /// fleetd refused a reply: counted per VM, command and reason (so a hostile guest cannot
    /// grow the table), with the latest detail cut to 512 characters.
    public static func rejection(vmID: Int64, _ command: String, reason: String, detail: String, at time: Millis) -> StoreChange {
        let detail = String(detail.prefix(512))
        return StoreChange { db in
            try db.run(
                """
                    INSERT INTO rejection (vm_id, command, reason, count, first_at, last_at, last_detail)
                    VALUES (?, ?, ?, 1, ?, ?, ?)
                    ON CONFLICT (vm_id, command, reason) DO UPDATE SET
                        count = count + 1, last_at = excluded.last_at, last_detail = excluded.last_detail
                    """,
                [vmID, command, reason, time, time, detail])
        }
    }
}

/// One interface's counters from guest-network-get-interfaces.
public struct InterfaceCounters: Sendable, Equatable {
    public var name: String
    public var rxBytes, rxPackets, rxErrs, rxDropped, txBytes, txPackets, txErrs, txDropped: Int64
    public init(name: String, rxBytes: Int64, rxPackets: Int64, rxErrs: Int64, rxDropped: Int64,
                txBytes: Int64, txPackets: Int64, txErrs: Int64, txDropped: Int64) {
        self.name = name
        self.rxBytes = rxBytes
        self.rxPackets = rxPackets
        self.rxErrs = rxErrs
        self.rxDropped = rxDropped
        self.txBytes = txBytes
        self.txPackets = txPackets
        self.txErrs = txErrs
        self.txDropped = txDropped
    }
}

/// One filesystem's usage from guest-get-fsinfo.
public struct FilesystemUsage: Sendable, Equatable {
    public var mountpoint: String
    public var usedBytes: Int64?
    public var totalBytes: Int64?
    public init(mountpoint: String, usedBytes: Int64?, totalBytes: Int64?) {
        self.mountpoint = mountpoint
        self.usedBytes = usedBytes
        self.totalBytes = totalBytes
    }
}

extension FleetStore {
    /// Commits a batch of changes in one transaction. One bad change must not take the batch
    /// with it: when the transaction fails, the changes are redone one by one. Returns how many
    /// changes failed. Runs to the end even while fleetd shuts down.
    public func commit(_ changes: [StoreChange]) async -> Int {
        guard !changes.isEmpty else { return 0 }
        do {
            try await writeUncancelled { db in
                for change in changes { try change.apply(db) }
            }
            return 0
        } catch {
            var failed = 0
            for change in changes {
                do { try await writeUncancelled(change.apply) } catch { failed += 1 }
            }
            return failed
        }
    }
}
