import GRDB

/// Stores changes, not repetitions: the current set of facts of one kind for one VM is compared
/// with what the store holds; facts that ended get their valid_to, new ones start a span, and
/// unchanged ones are not touched — a refresh that finds nothing new writes nothing.
enum FactSpans {
    struct Change: Equatable, Sendable {
        var opened: Int
        var closed: Int
        var isEmpty: Bool { opened == 0 && closed == 0 }
    }

    @discardableResult
    static func replace<Fact: SpanFact>(_ db: Database, vmID: Int64, with facts: [Fact], at time: Millis) throws -> Change {
        let current = try SpanRow<Fact>.fetchAll(db, currentRowsOf: vmID)
        let wanted = Set(facts)
        var closed = 0
        for row in current where !wanted.contains(row.fact) {
            try db.run("UPDATE \(Fact.table) SET valid_to = ? WHERE id = ?", [time, row.id])
            closed += 1
        }
        let held = Set(current.map(\.fact))
        var opened = 0
        var inserted = Set<Fact>()
        for fact in facts where !held.contains(fact) && inserted.insert(fact).inserted {
            try SpanRow(vmId: vmID, validFrom: time, fact: fact).insert(db)
            opened += 1
        }
        return Change(opened: opened, closed: closed)
    }

    /// The facts a VM had at `time` (or now, when nil), in insertion order.
    static func facts<Fact: SpanFact>(_ db: Database, _ type: Fact.Type, vmID: Int64, at time: Millis? = nil) throws -> [Fact] {
        let rows: [SpanRow<Fact>]
        if let time {
            rows = try SpanRow<Fact>.fetchAll(
                db, sql: "SELECT * FROM \(Fact.table) WHERE vm_id = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) ORDER BY id",
                arguments: [vmID, time, time])
        } else {
            rows = try SpanRow<Fact>.fetchAll(db, currentRowsOf: vmID)
        }
        return rows.map(\.fact)
    }

    /// Every current fact of one kind, grouped by VM id (in insertion order within a VM); of
    /// the given VMs only, when `vmIDs` is not nil. One statement for the whole fleet.
    static func current<Fact: SpanFact>(_ db: Database, _ type: Fact.Type, vmIDs: [Int64]? = nil) throws -> [Int64: [Fact]] {
        let sql = "SELECT * FROM \(Fact.table) WHERE \(currentRows(of: vmIDs)) ORDER BY vm_id, id"
        var result: [Int64: [Fact]] = [:]
        let cursor = try SpanRow<Fact>.fetchCursor(db, sql: sql)
        while let row = try cursor.next() {
            result[row.vmId, default: []].append(row.fact)
        }
        return result
    }
}

extension FactSpans {
    /// The WHERE condition for the current rows of these VMs (all VMs when nil); the ids are
    /// integers, so writing them into the text is safe.
    private static func currentRows(of vmIDs: [Int64]?) -> String {
        guard let vmIDs else { return "valid_to IS NULL" }
        return "valid_to IS NULL AND vm_id IN (\(vmIDs.map(String.init).joined(separator: ",")))"
    }

    /// Each VM's current agent version, without the rest of its agent facts.
    static func currentAgentVersions(_ db: Database, vmIDs: [Int64]? = nil) throws -> [Int64: String] {
        let sql = "SELECT vm_id, version FROM \(AgentInfoFact.table) WHERE \(currentRows(of: vmIDs))"
        var result: [Int64: String] = [:]
        let cursor = try Row.fetchCursor(db, sql: sql)
        while let row = try cursor.next() { result[row[0]] = row[1] }
        return result
    }
}

extension SpanRow {
    /// The VM's current rows, oldest first (a statement compiled once per connection).
    static func fetchAll(_ db: Database, currentRowsOf vmID: Int64) throws -> [SpanRow] {
        try fetchAll(db.cachedStatement(sql: "SELECT * FROM \(Fact.table) WHERE vm_id = ? AND valid_to IS NULL ORDER BY id"), arguments: [vmID])
    }
}
