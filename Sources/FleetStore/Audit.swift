import GRDB

/// The `audit` table: every control-API call above the read tier, written before the action
/// runs (so a crash mid-action still leaves its trace) and completed with its outcome.
public enum Audit {
    public struct Entry: Sendable, Equatable {
        public var id: Int64
        public var at: Millis
        public var uid: Int64
        public var action: String
        public var vm: String?
        public var detail: String?
        public var outcome: String?
    }

    public static func begin(_ db: Database, uid: Int64, action: String, vmName: String?, detail: String?, at time: Millis) throws -> Int64 {
        let vmID = try vmName.flatMap { try Int64.fetchOne(db, sql: "SELECT id FROM vm WHERE name = ?", arguments: [$0]) }
        try db.execute(
            sql: "INSERT INTO audit (at, uid, action, vm_id, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [time, uid, action, vmID, detail])
        return db.lastInsertedRowID
    }

    public static func finish(_ db: Database, id: Int64, outcome: String) throws {
        try db.execute(sql: "UPDATE audit SET outcome = ? WHERE id = ?", arguments: [outcome, id])
    }

    /// Newest first.
    public static func recent(_ db: Database, limit: Int) throws -> [Entry] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT audit.*, vm.name AS vm_name FROM audit LEFT JOIN vm ON vm.id = audit.vm_id
                ORDER BY audit.id DESC LIMIT ?
                """,
            arguments: [limit]
        ).map {
            Entry(id: $0["id"], at: $0["at"], uid: $0["uid"], action: $0["action"], vm: $0["vm_name"],
                  detail: $0["detail"], outcome: $0["outcome"])
        }
    }
}
