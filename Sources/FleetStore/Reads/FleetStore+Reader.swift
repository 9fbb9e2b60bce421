import GRDB

/// fleetd's own store as the control API's reader. Each call is one read transaction, so what
/// it returns is one consistent moment of the store; VM rows carry their live heartbeat figures
/// (`LiveHeartbeats`), not the stored ones that lag them by up to a persist interval.
extension FleetStore: FleetReader {
    public func vm(named name: String) async throws -> VMRecord? {
        heartbeats.overlay(try await database.read { db in try VMRecord.filter(Column("name") == name).fetchOne(db) })
    }

    public func vmNames() async throws -> [String] {
        try await database.read { db in try String.fetchAll(db, sql: "SELECT name FROM vm ORDER BY name") }
    }

    public func stateCounts() async throws -> [VMState: Int] {
        try await database.read { db in
            var counts: [VMState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) FROM vm GROUP BY state") {
                if let state = VMState(rawValue: row[0]) { counts[state] = row[1] }
            }
            return counts
        }
    }

    public func listingFacts(_ selection: VMSelection) async throws -> ListingFacts {
        try await database.read { db in
            let vms: [VMRecord]
            let ids: [Int64]?
            switch selection {
            case .all:
                vms = try VMRecord.order(Column("name")).fetchAll(db)
                ids = nil
            case .attention(let limit):
                vms = try VMRecord.filter(Column("state") != VMState.responsive).order(Column("name")).limit(limit).fetchAll(db)
                ids = vms.map(\.id)
            }
            return ListingFacts(
                vms: heartbeats.overlay(vms),
                agentVersion: try FactSpans.currentAgentVersions(db, vmIDs: ids),
                os: try FactSpans.current(db, OSInfoFact.self, vmIDs: ids).compactMapValues(\.first),
                hostName: try FactSpans.current(db, HostNameFact.self, vmIDs: ids).compactMapValues(\.first),
                addresses: try FactSpans.current(db, AddressFact.self, vmIDs: ids))
        }
    }

    public func factSheet(of vm: VMRecord, transitions: Int, execs: Int) async throws -> VMFactSheet {
        try await database.read { db in
            let id = vm.id
            func current<Fact: SpanFact>(_ type: Fact.Type) throws -> [Fact] { try FactSpans.facts(db, type, vmID: id) }
            return VMFactSheet(
                agent: try current(AgentInfoFact.self).first,
                os: try current(OSInfoFact.self).first,
                hostName: try current(HostNameFact.self).first,
                timezone: try current(TimezoneFact.self).first,
                interfaces: try current(InterfaceFact.self),
                addresses: try current(AddressFact.self),
                interfaceCounters: try Self.interfaceCounters(db, vmID: id),
                filesystems: try current(FilesystemFact.self),
                filesystemUsage: try Self.filesystemUsage(db, vmID: id)[id] ?? [:],
                vcpus: try current(VcpuFact.self),
                memory: try current(MemoryFact.self).first,
                users: try current(UserSessionFact.self),
                clockDrift: try current(ClockDriftFact.self).first,
                unsupportedCommands: try Row.fetchAll(
                    db, sql: "SELECT command, since, reason FROM unsupported_command WHERE vm_id = ? ORDER BY command", arguments: [id]
                ).map { UnsupportedCommand(command: $0["command"], since: $0["since"], reason: $0["reason"]) },
                rejections: try Row.fetchAll(db, sql: "SELECT * FROM rejection WHERE vm_id = ? ORDER BY last_at DESC", arguments: [id]).map {
                    Rejection(command: $0["command"], reason: $0["reason"], count: $0["count"], firstAt: $0["first_at"],
                              lastAt: $0["last_at"], lastDetail: $0["last_detail"])
                },
                transitions: try TransitionRecord.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM (SELECT at, from_state, to_state, reason, id FROM vm_transition
                                       WHERE vm_id = ? ORDER BY at DESC, id DESC LIMIT ?)
                        ORDER BY at, id
                        """,
                    arguments: [id, transitions]),
                execs: try ExecRecord.filter(Column("vm_id") == id).order(Column("id").desc).limit(execs).fetchAll(db))
        }
    }

    public func history(of vm: VMRecord, since: Millis?, limit: Int) async throws -> [HistoryEvent] {
        try await database.read { db in try History.events(db, vmID: vm.id, since: since, limit: limit) }
    }

    public func inventory(_ parts: Set<InventoryPart>) async throws -> InventorySnapshot {
        try await database.read { db in
            var snapshot = InventorySnapshot()
            snapshot.parts = parts
            snapshot.vms = heartbeats.overlay(try VMRecord.order(Column("name")).fetchAll(db))
            if parts.contains(.vms) {
                snapshot.agentVersion = try FactSpans.currentAgentVersions(db)
                snapshot.os = try FactSpans.current(db, OSInfoFact.self).compactMapValues(\.first)
                snapshot.hostName = try FactSpans.current(db, HostNameFact.self).compactMapValues(\.first)
                snapshot.vcpus = try FactSpans.current(db, VcpuFact.self)
                snapshot.memory = try FactSpans.current(db, MemoryFact.self).compactMapValues(\.first)
                snapshot.clockDrift = try FactSpans.current(db, ClockDriftFact.self).compactMapValues(\.first)
            }
            if parts.contains(.interfaces) { snapshot.interfaces = try FactSpans.current(db, InterfaceFact.self) }
            if parts.contains(.addresses) { snapshot.addresses = try FactSpans.current(db, AddressFact.self) }
            if parts.contains(.filesystems) {
                snapshot.filesystems = try FactSpans.current(db, FilesystemFact.self)
                snapshot.filesystemUsage = try Self.filesystemUsage(db)
            }
            return snapshot
        }
    }

    public func execs(of vm: VMRecord?, limit: Int) async throws -> [NamedExec] {
        try await database.read { db in
            var request = ExecRecord.order(Column("id").desc).limit(limit)
            if let vm { request = request.filter(Column("vm_id") == vm.id) }
            let names = try Self.vmNamesByID(db)
            return try request.fetchAll(db).map { NamedExec(record: $0, vm: names[$0.vmId] ?? "") }
        }
    }

    public func exec(id: Int64) async throws -> NamedExec? {
        try await database.read { db in
            guard let record = try ExecRecord.fetchOne(db, key: id) else { return nil }
            let name = try String.fetchOne(db, sql: "SELECT name FROM vm WHERE id = ?", arguments: [record.vmId]) ?? ""
            return NamedExec(record: record, vm: name)
        }
    }

    public func audit(limit: Int) async throws -> [AuditEntry] {
        try await database.read { db in try Self.recentAudit(db, limit: limit) }
    }

    // MARK: Pieces

    static func vmNamesByID(_ db: Database) throws -> [Int64: String] {
        var result: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM vm") { result[row[0]] = row[1] }
        return result
    }

    /// Latest interface counters of a VM, by interface name.
    static func interfaceCounters(_ db: Database, vmID: Int64) throws -> [String: InterfaceCounters] {
        var result: [String: InterfaceCounters] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM interface_counters WHERE vm_id = ?", arguments: [vmID]) {
            let name: String = row["name"]
            func value(_ column: String) -> Int64 { row[column] ?? 0 }
            result[name] = InterfaceCounters(
                name: name, rxBytes: value("rx_bytes"), rxPackets: value("rx_packets"), rxErrs: value("rx_errs"),
                rxDropped: value("rx_dropped"), txBytes: value("tx_bytes"), txPackets: value("tx_packets"),
                txErrs: value("tx_errs"), txDropped: value("tx_dropped"))
        }
        return result
    }

    /// Latest filesystem usage, by VM id then mountpoint.
    static func filesystemUsage(_ db: Database, vmID: Int64? = nil) throws -> [Int64: [String: FilesystemUsage]] {
        var result: [Int64: [String: FilesystemUsage]] = [:]
        let rows: [Row]
        if let vmID {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM filesystem_usage WHERE vm_id = ?", arguments: [vmID])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM filesystem_usage")
        }
        for row in rows {
            let mountpoint: String = row["mountpoint"]
            result[row["vm_id"], default: [:]][mountpoint] = FilesystemUsage(
                mountpoint: mountpoint, usedBytes: row["used_bytes"], totalBytes: row["total_bytes"])
        }
        return result
    }
}
