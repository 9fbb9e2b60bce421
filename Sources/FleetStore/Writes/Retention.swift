import GRDB

/// What one retention pass deleted.
public struct RetentionRemoved: Equatable, Sendable {
    public var facts = 0
    public var transitions = 0
    public var execs = 0
    public var audit = 0

    public init(facts: Int = 0, transitions: Int = 0, execs: Int = 0, audit: Int = 0) {
        self.facts = facts
        self.transitions = transitions
        self.execs = execs
        self.audit = audit
    }

    public var total: Int { facts + transitions + execs + audit }
}

extension FleetStore {
    /// Deletes history older than `cutoff`: ended facts, transitions, finished execs and audit
    /// entries. Current facts and unfinished execs are never deleted, whatever their age.
    @discardableResult
    public func pruneHistory(before cutoff: Millis) async throws -> RetentionRemoved {
        try await database.write { db in try Self.prune(db, before: cutoff) }
    }

    static func prune(_ db: Database, before cutoff: Millis) throws -> RetentionRemoved {
        var removed = RetentionRemoved()
        for table in SpanFacts.tables {
            try db.execute(sql: "DELETE FROM \(table) WHERE valid_to IS NOT NULL AND valid_to < ?", arguments: [cutoff])
            removed.facts += db.changesCount
        }
        try db.execute(sql: "DELETE FROM vm_transition WHERE at < ?", arguments: [cutoff])
        removed.transitions = db.changesCount
        try db.execute(
            sql: "DELETE FROM exec WHERE state NOT IN ('pending', 'sent', 'running') AND COALESCE(finished_at, requested_at) < ?",
            arguments: [cutoff])
        removed.execs = db.changesCount
        try db.execute(sql: "DELETE FROM audit WHERE at < ?", arguments: [cutoff])
        removed.audit = db.changesCount
        return removed
    }
}
