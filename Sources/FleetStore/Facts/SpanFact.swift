import GRDB

/// A fact held over a time span: one row of a span table (besides its id, vm_id, valid_from and
/// valid_to), as a plain Codable record whose coding keys are the table's columns.
/// Two facts are the same fact when they are equal, which is how an unchanged refresh writes
/// nothing.
public protocol SpanFact: Codable, Hashable, Sendable {
    /// The span table that holds this kind of fact.
    static var table: String { get }
    /// The fact as one of every kind (history lists them side by side).
    var anyFact: AnyFact { get }
    /// Reads the fact from a row of its table. Bulk reads (listings, exports of 10,000 VMs) go
    /// through this rather than GRDB's Codable decoder, which costs several times as much per row.
    init(row: Row) throws
}

/// A stored span: the fact's own columns, flattened beside the span's.
struct SpanRow<Fact: SpanFact>: Encodable, FetchableRecord, PersistableRecord {
    static var databaseTableName: String { Fact.table }

    var id: Int64?
    var vmId: Int64
    var validFrom: Millis
    var validTo: Millis?
    var fact: Fact

    init(vmId: Int64, validFrom: Millis, fact: Fact) {
        self.vmId = vmId
        self.validFrom = validFrom
        self.fact = fact
    }

    private enum CodingKeys: String, CodingKey { case id, vmId = "vm_id", validFrom = "valid_from", validTo = "valid_to" }

    init(row: Row) throws {
        id = row[CodingKeys.id.rawValue]
        vmId = row[CodingKeys.vmId.rawValue]
        validFrom = row[CodingKeys.validFrom.rawValue]
        validTo = row[CodingKeys.validTo.rawValue]
        fact = try Fact(row: row)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(vmId, forKey: .vmId)
        try container.encode(validFrom, forKey: .validFrom)
        try container.encode(validTo, forKey: .validTo)
        try fact.encode(to: encoder)
    }
}

/// Every kind of fact, for what goes over all span tables (history, retention, schema checks).
enum SpanFacts {
    static let all: [any SpanFact.Type] = [
        AgentInfoFact.self, OSInfoFact.self, HostNameFact.self, TimezoneFact.self, InterfaceFact.self, AddressFact.self,
        FilesystemFact.self, VcpuFact.self, MemoryFact.self, UserSessionFact.self, ClockDriftFact.self,
    ]

    static var tables: [String] { all.map { $0.table } }
}
