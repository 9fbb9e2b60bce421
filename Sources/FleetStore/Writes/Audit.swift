import GRDB

/// One audited control-API call.
public struct AuditEntry: Sendable, Equatable, Codable, FetchableRecord {

    public var id: Int64
    public var at: Millis
    public var uid: Int64
    public var action: String
    /// The VM's name (joined from `vm`), when the call named one fleetd knows.
    public var vmName: String?
    public var detail: String?
    public var outcome: String?

    enum CodingKeys: String, CodingKey {
        case id, at, uid, action, vmName = "vm_name", detail, outcome
    }
}

/// Where the control API records the calls it audits. fleetd's store is one; a hub keeps its
/// own the same way.
public protocol AuditTrail: Sendable {
    /// Records a call before it runs (so a crash mid-action still leaves its trace); returns its id.
    func beginAudit(uid: Int64, action: String, vmName: String?, detail: String?, at time: Millis) async throws -> Int64
    /// Completes the entry with the call's outcome.
    func finishAudit(id: Int64, outcome: String) async throws
}

/// The `audit` table: every control-API call above the read tier.
extension FleetStore: AuditTrail {
    public func beginAudit(uid: Int64, action: String, vmName: String?, detail: String?, at time: Millis) async throws -> Int64 {
        try await writeUncancelled { db in
            let vmID = try vmName.flatMap { try Int64.fetchOne(db, sql: "SELECT id FROM vm WHERE name = ?", arguments: [$0]) }
            try db.execute(
                sql: "INSERT INTO audit (at, uid, action, vm_id, detail) VALUES (?, ?, ?, ?, ?)",
                arguments: [time, uid, action, vmID, detail])
            return db.lastInsertedRowID
        }
    }

    public func finishAudit(id: Int64, outcome: String) async throws {
        try await writeUncancelled { db in
            try db.execute(sql: "UPDATE audit SET outcome = ? WHERE id = ?", arguments: [outcome, id])
        }
    }

    static func recentAudit(_ db: Database, limit: Int) throws -> [AuditEntry] {
        try AuditEntry.fetchAll(
            db,
            sql: """
                SELECT audit.*, vm.name AS vm_name FROM audit LEFT JOIN vm ON vm.id = audit.vm_id
                ORDER BY audit.id DESC LIMIT ?
                """,
            arguments: [limit])
    }
}
