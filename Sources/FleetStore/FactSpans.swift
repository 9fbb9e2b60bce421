import GRDB

/// One of the inventory tables whose rows are facts held over a time span.
public struct SpanTable: Sendable, Hashable {
    public let name: String
    /// The fact's columns (besides id, vm_id, valid_from, valid_to), in a fixed order.
    public let columns: [String]

    public static let agentInfo = SpanTable(name: "agent_info", columns: ["version", "enabled_commands"])
    public static let osInfo = SpanTable(name: "os_info", columns: [
        "os_id", "name", "pretty_name", "version", "version_id", "variant", "variant_id",
        "kernel_release", "kernel_version", "machine",
    ])
    public static let hostName = SpanTable(name: "host_name", columns: ["host_name"])
    public static let timezone = SpanTable(name: "timezone", columns: ["zone", "offset_seconds"])
    public static let interface = SpanTable(name: "interface", columns: ["name", "hardware_address"])
    public static let address = SpanTable(name: "address", columns: ["interface", "address", "family", "prefix"])
    public static let filesystem = SpanTable(name: "filesystem", columns: ["mountpoint", "device", "type", "disks"])
    public static let vcpu = SpanTable(name: "vcpu", columns: ["logical_id", "online", "can_offline"])
    public static let memory = SpanTable(name: "memory", columns: ["block_size", "blocks", "blocks_online"])
    public static let userSession = SpanTable(name: "user_session", columns: ["user_name", "domain", "login_time"])
    public static let clockDrift = SpanTable(name: "clock_drift", columns: ["drift_ms"])

    public static let all: [SpanTable] = [
        agentInfo, osInfo, hostName, timezone, interface, address, filesystem, vcpu, memory, userSession, clockDrift,
    ]
}

/// A fact's values, in its table's column order.
public struct Fact: Hashable, Sendable {
    public var values: [DatabaseValue]
    public init(_ values: [any DatabaseValueConvertible & Sendable]) {
        self.values = values.map { $0.databaseValue }
    }
    public init(databaseValues: [DatabaseValue]) { self.values = databaseValues }
}

/// Stores changes, not repetitions: the current set of facts of one kind for one VM is compared
/// with what the store holds; facts that ended get their valid_to, new ones start a span, and
/// unchanged ones are not touched — a refresh that finds nothing new writes nothing.
public enum FactSpans {
    public struct Change: Equatable, Sendable {
        public var opened: Int
        public var closed: Int
        public var isEmpty: Bool { opened == 0 && closed == 0 }
    }

    @discardableResult
    public static func replace(_ db: Database, _ table: SpanTable, vmID: Int64, with facts: [Fact], at time: Millis) throws -> Change {
        let current = try currentRows(db, table, vmID: vmID)
        let wanted = Set(facts)
        var closed = 0
        for (id, fact) in current where !wanted.contains(fact) {
            try db.run("UPDATE \(table.name) SET valid_to = ? WHERE id = ?", [time, id])
            closed += 1
        }
        let held = Set(current.map(\.fact))
        var opened = 0
        let placeholders = Array(repeating: "?", count: table.columns.count).joined(separator: ", ")
        let insert = """
            INSERT INTO \(table.name) (vm_id, valid_from, valid_to, \(table.columns.joined(separator: ", ")))
            VALUES (?, ?, NULL, \(placeholders))
            """
        var inserted = Set<Fact>()
        for fact in facts where !held.contains(fact) && inserted.insert(fact).inserted {
            precondition(fact.values.count == table.columns.count, "\(table.name) takes \(table.columns.count) values")
            try db.run(insert, StatementArguments([vmID.databaseValue, time.databaseValue] + fact.values))
            opened += 1
        }
        return Change(opened: opened, closed: closed)
    }

    /// Ends every current fact of a VM (used when its history is retired, not on disconnect:
    /// facts stay as last known while a VM is away).
    public static func closeAll(_ db: Database, _ table: SpanTable, vmID: Int64, at time: Millis) throws {
        try db.execute(sql: "UPDATE \(table.name) SET valid_to = ? WHERE vm_id = ? AND valid_to IS NULL", arguments: [time, vmID])
    }

    static func currentRows(_ db: Database, _ table: SpanTable, vmID: Int64) throws -> [(id: Int64, fact: Fact)] {
        let sql = "SELECT id, \(table.columns.joined(separator: ", ")) FROM \(table.name) WHERE vm_id = ? AND valid_to IS NULL"
        return try db.rows(sql, [vmID]).map { row in
            (row[0], Fact(databaseValues: (1...table.columns.count).map { row[$0] as DatabaseValue }))
        }
    }

    /// The facts a VM had at `time` (or now, when nil), in insertion order.
    public static func facts(_ db: Database, _ table: SpanTable, vmID: Int64, at time: Millis? = nil) throws -> [Fact] {
        let columns = table.columns.joined(separator: ", ")
        let rows: [Row]
        if let time {
            rows = try Row.fetchAll(
                db,
                sql: "SELECT \(columns) FROM \(table.name) WHERE vm_id = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) ORDER BY id",
                arguments: [vmID, time, time])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT \(columns) FROM \(table.name) WHERE vm_id = ? AND valid_to IS NULL ORDER BY id", arguments: [vmID])
        }
        return rows.map { row in Fact(databaseValues: (0..<table.columns.count).map { row[$0] as DatabaseValue }) }
    }
}
