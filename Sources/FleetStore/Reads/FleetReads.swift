import Foundation
import GRDB

/// The queries behind the control API. Fleet-wide reads fetch each table once (never a query
/// per VM), so a listing of 10,000 VMs is a handful of statements.
public enum FleetReads {
    public static func vms(_ db: Database) throws -> [VMRecord] {
        try VMRecord.fetchAll(db, sql: "SELECT * FROM vm ORDER BY name")
    }

    /// The VMs not in `state`, by name, at most `limit` (status's attention list).
    public static func vms(_ db: Database, notIn state: VMState, limit: Int) throws -> [VMRecord] {
        try VMRecord.fetchAll(db, sql: "SELECT * FROM vm WHERE state != ? ORDER BY name LIMIT ?", arguments: [state, limit])
    }

    /// How many VMs are in each state.
    public static func stateCounts(_ db: Database) throws -> [VMState: Int] {
        var counts: [VMState: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT state, count(*) FROM vm GROUP BY state") {
            if let state = VMState(rawValue: row[0]) { counts[state] = row[1] }
        }
        return counts
    }

    public static func vm(_ db: Database, named name: String) throws -> VMRecord? {
        try VMRecord.fetchOne(db, sql: "SELECT * FROM vm WHERE name = ?", arguments: [name])
    }

    public static func vmNames(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT name FROM vm ORDER BY name")
    }

    /// Every current fact of one kind, grouped by VM id (in insertion order within a VM); of
    /// the given VMs only, when `vmIDs` is not nil.
    public static func currentFacts(_ db: Database, _ table: SpanTable, vmIDs: [Int64]? = nil) throws -> [Int64: [Fact]] {
        var sql = "SELECT vm_id, \(table.columns.joined(separator: ", ")) FROM \(table.name) WHERE valid_to IS NULL"
        if let vmIDs { sql += " AND vm_id IN (\(vmIDs.map(String.init).joined(separator: ",")))" }
        sql += " ORDER BY vm_id, id"
        var result: [Int64: [Fact]] = [:]
        let cursor = try Row.fetchCursor(db, sql: sql)
        while let row = try cursor.next() {
            let fact = Fact(databaseValues: (1...table.columns.count).map { row[$0] as DatabaseValue })
            result[row[0], default: []].append(fact)
        }
        return result
    }

    /// The most recent transitions of a VM, oldest first.
    public static func recentTransitions(_ db: Database, vmID: Int64, limit: Int) throws -> [TransitionRecord] {
        try TransitionRecord.fetchAll(
            db,
            sql: """
                SELECT * FROM (SELECT at, from_state, to_state, reason, id FROM vm_transition
                               WHERE vm_id = ? ORDER BY at DESC, id DESC LIMIT ?)
                ORDER BY at, id
                """,
            arguments: [vmID, limit])
    }

    public struct UnsupportedCommand: Sendable, Equatable {
        public var command: String
        public var since: Millis
        public var reason: String
    }

    public static func unsupportedCommands(_ db: Database, vmID: Int64) throws -> [UnsupportedCommand] {
        try Row.fetchAll(db, sql: "SELECT command, since, reason FROM unsupported_command WHERE vm_id = ? ORDER BY command", arguments: [vmID])
            .map { UnsupportedCommand(command: $0["command"], since: $0["since"], reason: $0["reason"]) }
    }

    public struct Rejection: Sendable, Equatable {
        public var command: String
        public var reason: String
        public var count: Int64
        public var firstAt: Millis
        public var lastAt: Millis
        public var lastDetail: String?
    }

    public static func rejections(_ db: Database, vmID: Int64) throws -> [Rejection] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM rejection WHERE vm_id = ? ORDER BY last_at DESC", arguments: [vmID]
        ).map {
            Rejection(command: $0["command"], reason: $0["reason"], count: $0["count"], firstAt: $0["first_at"],
                      lastAt: $0["last_at"], lastDetail: $0["last_detail"])
        }
    }

    /// Latest interface counters of a VM, by interface name.
    public static func interfaceCounters(_ db: Database, vmID: Int64) throws -> [String: [Int64?]] {
        var result: [String: [Int64?]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT name, rx_bytes, rx_packets, rx_errs, rx_dropped, tx_bytes, tx_packets, tx_errs, tx_dropped
                FROM interface_counters WHERE vm_id = ?
                """, arguments: [vmID])
        {
            result[row["name"]] = (1...8).map { row[$0] }
        }
        return result
    }

    /// Latest filesystem usage, by VM id then mountpoint: (used, total).
    public static func filesystemUsage(_ db: Database, vmID: Int64? = nil) throws -> [Int64: [String: (used: Int64?, total: Int64?)]] {
        var result: [Int64: [String: (used: Int64?, total: Int64?)]] = [:]
        let rows: [Row]
        if let vmID {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM filesystem_usage WHERE vm_id = ?", arguments: [vmID])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM filesystem_usage")
        }
        for row in rows {
            result[row["vm_id"], default: [:]][row["mountpoint"]] = (row["used_bytes"], row["total_bytes"])
        }
        return result
    }

    /// The exec ledger, newest first, optionally for one VM.
    public static func execs(_ db: Database, vmID: Int64? = nil, limit: Int) throws -> [ExecRecord] {
        if let vmID {
            return try ExecRecord.fetchAll(
                db, sql: "SELECT * FROM exec WHERE vm_id = ? ORDER BY id DESC LIMIT ?", arguments: [vmID, limit])
        }
        return try ExecRecord.fetchAll(db, sql: "SELECT * FROM exec ORDER BY id DESC LIMIT ?", arguments: [limit])
    }

    /// VM names by id (for listings that show execs or audit rows of many VMs).
    public static func vmNamesByID(_ db: Database) throws -> [Int64: String] {
        var result: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM vm") { result[row[0]] = row[1] }
        return result
    }
}
