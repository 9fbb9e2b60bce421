import GRDB

/// A VM's history: its transitions and every inventory fact that started or ended, merged in
/// time order. Derived from the span tables, so it costs nothing to keep.
public enum History {
    public enum Kind: String, Sendable { case transition, added, removed }

    public struct Event: Sendable, Equatable {
        public var at: Millis
        public var kind: Kind
        /// The span table's name for inventory events (`address`, `os_info`, …).
        public var item: String?
        /// The fact's values as text, in its table's column order (inventory events).
        public var values: [String]
        public var transition: TransitionRecord?
    }

    /// Events at or after `since`, oldest first; the newest `limit` of them.
    public static func events(_ db: Database, vmID: Int64, since: Millis?, limit: Int) throws -> [Event] {
        let from = since ?? Millis.min
        var events: [Event] = try TransitionRecord.fetchAll(
            db,
            sql: "SELECT at, from_state, to_state, reason FROM vm_transition WHERE vm_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?",
            arguments: [vmID, from, limit]
        ).map { Event(at: $0.at, kind: .transition, item: nil, values: [], transition: $0) }
        // Agent info changes with every guest-info; its command list is in `show`, not here.
        for table in SpanTable.all {
            let columns = table.columns.joined(separator: ", ")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT valid_from, valid_to, \(columns) FROM \(table.name)
                    WHERE vm_id = ? AND (valid_from >= ? OR valid_to >= ?)
                    ORDER BY id DESC LIMIT ?
                    """,
                arguments: [vmID, from, from, limit])
            for row in rows {
                let values = (0..<table.columns.count).map { text(row[$0 + 2] as DatabaseValue) }
                let shown = table == .agentInfo ? [values[0]] : values
                let start: Millis = row[0]
                if start >= from { events.append(Event(at: start, kind: .added, item: table.name, values: shown)) }
                if let end: Millis = row[1], end >= from {
                    events.append(Event(at: end, kind: .removed, item: table.name, values: shown))
                }
            }
        }
        // Within one instant, a fact that ended comes before its replacement.
        let order: [Kind: Int] = [.transition: 0, .removed: 1, .added: 2]
        events.sort { ($0.at, order[$0.kind]!) < ($1.at, order[$1.kind]!) }
        return Array(events.suffix(limit))
    }

    static func text(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: ""
        case .int64(let v): String(v)
        case .double(let v): String(v)
        case .string(let v): v
        case .blob(let v): "<\(v.count) bytes>"
        }
    }
}

extension History.Event {
    init(at: Millis, kind: History.Kind, item: String?, values: [String]) {
        self.init(at: at, kind: kind, item: item, values: values, transition: nil)
    }
}
