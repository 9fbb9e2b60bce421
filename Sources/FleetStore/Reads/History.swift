import GRDB

/// One fact of any kind, as history shows it.
public enum AnyFact: Sendable, Equatable {
    case agent(AgentInfoFact)
    case os(OSInfoFact)
    case hostName(HostNameFact)
    case timezone(TimezoneFact)
    case interface(InterfaceFact)
    case address(AddressFact)
    case filesystem(FilesystemFact)
    case vcpu(VcpuFact)
    case memory(MemoryFact)
    case user(UserSessionFact)
    case clockDrift(ClockDriftFact)
}

/// A moment of a VM's history: a transition, or an inventory fact that started or ended.
public struct HistoryEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case transition, added, removed }

    public var at: Millis
    public var kind: Kind
    /// For transitions.
    public var transition: TransitionRecord?
    /// For inventory events.
    public var fact: AnyFact?

    public init(at: Millis, kind: Kind, transition: TransitionRecord? = nil, fact: AnyFact? = nil) {
        self.at = at
        self.kind = kind
        self.transition = transition
        self.fact = fact
    }
}

/// A VM's history: its transitions and every inventory fact that started or ended, merged in
/// time order. Derived from the span tables, so it costs nothing to keep.
enum History {
    static func events(_ db: Database, vmID: Int64, since: Millis?, limit: Int) throws -> [HistoryEvent] {
        let from = since ?? Millis.min
        var events: [HistoryEvent] = try TransitionRecord.fetchAll(
            db,
            sql: "SELECT at, from_state, to_state, reason FROM vm_transition WHERE vm_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?",
            arguments: [vmID, from, limit]
        ).map { HistoryEvent(at: $0.at, kind: .transition, transition: $0) }
        for type in SpanFacts.all {
            events += try spans(db, type, vmID: vmID, from: from, limit: limit)
        }
        // Within one instant, a fact that ended comes before its replacement.
        let order: [HistoryEvent.Kind: Int] = [.transition: 0, .removed: 1, .added: 2]
        events.sort { ($0.at, order[$0.kind]!) < ($1.at, order[$1.kind]!) }
        return Array(events.suffix(limit))
    }

    private static func spans<Fact: SpanFact>(_ db: Database, _ type: Fact.Type, vmID: Int64, from: Millis, limit: Int) throws -> [HistoryEvent] {
        let rows = try SpanRow<Fact>.fetchAll(
            db,
            sql: "SELECT * FROM \(Fact.table) WHERE vm_id = ? AND (valid_from >= ? OR valid_to >= ?) ORDER BY id DESC LIMIT ?",
            arguments: [vmID, from, from, limit])
        var events: [HistoryEvent] = []
        for row in rows {
            let fact = row.fact.anyFact
            if row.validFrom >= from { events.append(HistoryEvent(at: row.validFrom, kind: .added, fact: fact)) }
            if let end = row.validTo, end >= from { events.append(HistoryEvent(at: end, kind: .removed, fact: fact)) }
        }
        return events
    }
}
