import Foundation
import GRDB
import Testing
@testable import FleetStore

/// A real SQLite file in a temporary directory, removed afterwards.
final class TemporaryStore {
    let directory: URL
    let path: String
    let store: FleetStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-store-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("fleet.db").path
        store = try FleetStore(path: path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

@Suite("Store: schema and migrations")
struct MigrationTests {
    static let migrationsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migrations")

    @Test("the migrations embedded in the binary are exactly migrations/*.sql")
    func embeddedEqualsDirectory() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.migrationsDirectory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(FleetStore.migrationNames == files.map { String($0.dropLast(4)) }, "run scripts/embed-migrations")
        for file in files {
            let onDisk = try String(contentsOf: Self.migrationsDirectory.appendingPathComponent(file), encoding: .utf8)
            let embedded = FleetStore.migrationSQL(String(file.dropLast(4)))
            #expect(embedded == onDisk.trimmingCharacters(in: .newlines), "\(file) changed: run scripts/embed-migrations")
        }
    }

    @Test("opening migrates a new file to WAL with every table; reopening is a no-op")
    func openAndReopen() throws {
        let temporary = try TemporaryStore()
        let tables = try temporary.store.database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb%' AND name NOT LIKE 'sqlite%' ORDER BY name")
        }
        #expect(Set(tables).isSuperset(of: ["vm", "vm_transition", "exec", "audit", "rejection", "unsupported_command",
                                             "interface_counters", "filesystem_usage"] + SpanFacts.tables))
        let mode = try temporary.store.database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let again = try FleetStore(path: temporary.path)
        let applied = try again.database.read { db in try FleetStore.migrator.appliedMigrations(db) }
        #expect(applied == FleetStore.migrationNames)
        #expect(try again.integrityCheck() == "ok")
    }

    @Test("every fact record round-trips through its span table's columns")
    func spanColumns() throws {
        let temporary = try TemporaryStore()
        let samples: [any SpanFact] = [
            AgentInfoFact(version: "7.2.0", enabledCommands: ["guest-ping", "guest-info"]),
            OSInfoFact(osId: "debian", name: "Debian GNU/Linux", prettyName: "Debian 12", version: "12 (bookworm)", versionId: "12",
                       variant: "v", variantId: "vid", kernelRelease: "6.1.0", kernelVersion: "#1 SMP", machine: "x86_64"),
            HostNameFact(hostName: "web1"), TimezoneFact(zone: "UTC", offsetSeconds: 0),
            InterfaceFact(name: "eth0", hardwareAddress: "52:54:00:12:34:56"),
            AddressFact(interface: "eth0", address: "10.0.2.15", family: .ipv4, prefix: 24),
            FilesystemFact(mountpoint: "/", device: "vda1", type: "ext4", disks: "[]"),
            VcpuFact(logicalId: 0, online: true, canOffline: false), MemoryFact(blockSize: 134_217_728, blocks: 8, blocksOnline: 8),
            UserSessionFact(userName: "root", domain: nil, loginTime: 1_700_000_000.25), ClockDriftFact(driftMs: -100),
        ]
        #expect(samples.map { type(of: $0).table } == SpanFacts.tables, "one sample of every kind, in order")
        func roundTrip<Fact: SpanFact>(_ fact: Fact) throws {
            try temporary.store.database.write { db in
                let vm = try VMRegistry.register(db, name: "vm-\(Fact.table)", socketPath: "/s", at: 0)
                let columns = try db.columns(in: Fact.table).map(\.name)
                #expect(Set(columns).isSuperset(of: ["id", "vm_id", "valid_from", "valid_to"]), "\(Fact.table)")
                try FactSpans.replace(db, vmID: vm, with: [fact], at: 10)
                #expect(try FactSpans.facts(db, Fact.self, vmID: vm) == [fact], "\(Fact.table)")
            }
        }
        for sample in samples { try roundTrip(sample) }
    }
}

@Suite("Store: VMs, transitions, heartbeats")
struct VMRegistryTests {
    @Test("a VM is registered once and keeps its id; transitions are recorded only on change")
    func transitions() throws {
        let temporary = try TemporaryStore()
        try temporary.store.database.write { db in
            let id = try VMRegistry.register(db, name: "vm7", socketPath: "/run/vms/vm7.sock", at: 1000)
            #expect(try VMRegistry.register(db, name: "vm7", socketPath: "/run/vms/vm7.sock", at: 2000) == id)
            #expect(try VMRegistry.transition(db, vmID: id, to: .connecting, reason: "socket accepts connections", at: 1100))
            #expect(try VMRegistry.transition(db, vmID: id, to: .syncing, reason: "connected", at: 1200))
            #expect(try VMRegistry.transition(db, vmID: id, to: .responsive, reason: "sync id matched", at: 1300))
            #expect(try !VMRegistry.transition(db, vmID: id, to: .responsive, reason: "ping ok", at: 1400))
            #expect(try VMRegistry.transition(db, vmID: id, to: .gone, reason: "socket removed", at: 1500))
            let rows = try Row.fetchAll(db, sql: "SELECT at, from_state, to_state, reason FROM vm_transition WHERE vm_id = ? ORDER BY at", arguments: [id])
            #expect(rows.map { $0["to_state"] as String } == ["disconnected", "connecting", "syncing", "responsive", "gone"])
            #expect(rows.last?["from_state"] as String? == "responsive")
            let vm = try #require(try Row.fetchOne(db, sql: "SELECT state, state_since, state_reason FROM vm WHERE id = ?", arguments: [id]))
            #expect(vm["state"] as String == "gone" && vm["state_since"] as Int64 == 1500 && vm["state_reason"] as String == "socket removed")
        }
    }

    @Test("heartbeats fold into aggregates: no row per ping; reads show the live figures, the row follows when persisted")
    func heartbeats() async throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        let id = try #require(try await store.attachVMs([("vm1", "/s")], at: 0).first)
        store.heartbeats.record(vmID: id) { $0.recordReply(rttMicros: 400, at: 10) }
        store.heartbeats.record(vmID: id) { $0.recordReply(rttMicros: 200, at: 20) }
        store.heartbeats.record(vmID: id) { $0.recordMiss() }
        store.heartbeats.record(vmID: id) { $0.recordReply(rttMicros: 900, at: 30) }
        store.heartbeats.record(vmID: id) { $0.recordMiss() }
        store.heartbeats.record(vmID: id) { $0.recordMiss() }
        // A VM that was never attached has no row: nothing is kept for it.
        #expect(!store.heartbeats.record(vmID: id + 100) { $0.recordMiss() })
        #expect(store.heartbeats.figures(of: id + 100) == nil)

        func stored() throws -> Row {
            let row = try store.database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM vm WHERE id = ?", arguments: [id]) }
            return try #require(row)
        }
        // Not written yet: the row still has the figures it was attached with; reads show the live ones.
        #expect(try stored()["ping_ok"] as Int == 0)
        let live = try #require(try await store.vm(named: "vm1"))
        #expect(live.pingOk == 3 && live.pingMissed == 3 && live.lastSeen == 30)
        #expect(live.rttLastUs == 900 && live.rttMinUs == 200 && live.rttMaxUs == 900)
        // Every sample counts in the smoothed round trip, seeded by the first.
        let ewma = (400 * 0.875 + 200 * 0.125) * 0.875 + 900 * 0.125
        #expect(abs((live.rttEwmaUs ?? 0) - ewma) < 0.001)
        #expect(try await store.listingFacts(.all).vms.first == live)

        #expect(try await store.persistHeartbeats() == 1)
        #expect(try await store.persistHeartbeats() == 0, "nothing changed since")
        let vm = try stored()
        #expect(vm["ping_ok"] as Int == 3 && vm["ping_missed"] as Int == 3 && vm["last_seen"] as Int64 == 30)
        #expect(vm["rtt_last_us"] as Int64 == 900 && vm["rtt_min_us"] as Int64 == 200 && vm["rtt_max_us"] as Int64 == 900)
        #expect(abs((vm["rtt_ewma_us"] as Double) - ewma) < 0.001)
        #expect(try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM vm_transition") } == 1)

        // fleetd restarted on the same file: the figures go on from the stored ones.
        let reopened = try FleetStore(path: temporary.path)
        let again = try #require(try await reopened.attachVMs([("vm1", "/s")], at: 40).first)
        reopened.heartbeats.record(vmID: again) { $0.recordReply(rttMicros: 100, at: 50) }
        let resumed = try #require(try await reopened.vm(named: "vm1"))
        #expect(resumed.pingOk == 4 && resumed.pingMissed == 3 && resumed.rttMinUs == 100 && resumed.lastSeen == 50)
    }
}

@Suite("Store: facts as time spans")
struct FactSpanTests {
    static func addresses(_ list: [(String, String, AddressFamily, Int64)]) -> [AddressFact] {
        list.map { AddressFact(interface: $0.0, address: $0.1, family: $0.2, prefix: $0.3) }
    }

    @Test("unchanged facts are not written again; changes close old spans and open new ones")
    func changesOnly() throws {
        let temporary = try TemporaryStore()
        try temporary.store.database.write { db in
            let vm = try VMRegistry.register(db, name: "vm7", socketPath: "/s", at: 0)
            let first = Self.addresses([("eth0", "10.0.2.15", .ipv4, 24), ("eth0", "fe80::1", .ipv6, 64)])
            #expect(try FactSpans.replace(db, vmID: vm, with: first, at: 1000) == .init(opened: 2, closed: 0))
            for time in stride(from: Int64(2000), through: 50_000, by: 1000) {
                #expect(try FactSpans.replace(db, vmID: vm, with: first.reversed(), at: time).isEmpty)
            }
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM address") == 2)
            let second = Self.addresses([("eth0", "10.0.2.16", .ipv4, 24), ("eth0", "fe80::1", .ipv6, 64)])
            #expect(try FactSpans.replace(db, vmID: vm, with: second, at: 60_000) == .init(opened: 1, closed: 1))
            #expect(try FactSpans.replace(db, vmID: vm, with: [AddressFact](), at: 70_000) == .init(opened: 0, closed: 2))
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM address") == 3)
        }
    }

    @Test("'what addresses did vm7 have at 14:00 last Tuesday?' is one query")
    func asOf() throws {
        let temporary = try TemporaryStore()
        let tuesday = Millis(1_795_000_000_000)
        try temporary.store.database.write { db in
            let vm = try VMRegistry.register(db, name: "vm7", socketPath: "/s", at: tuesday - 86_400_000)
            try FactSpans.replace(db, vmID: vm, with: Self.addresses([("eth0", "10.0.2.15", .ipv4, 24)]), at: tuesday - 3_600_000)
            try FactSpans.replace(db, vmID: vm, with: Self.addresses([("eth0", "10.0.2.99", .ipv4, 24)]), at: tuesday + 3_600_000)
        }
        let (before, at, after, now) = try temporary.store.database.read { db in
            let vm = try #require(try Int64.fetchOne(db, sql: "SELECT id FROM vm WHERE name = 'vm7'"))
            let sql = """
                SELECT address FROM address
                WHERE vm_id = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)
                """
            return (
                try String.fetchAll(db, sql: sql, arguments: [vm, tuesday - 7_200_000, tuesday - 7_200_000]),
                try String.fetchAll(db, sql: sql, arguments: [vm, tuesday, tuesday]),
                try FactSpans.facts(db, AddressFact.self, vmID: vm, at: tuesday + 7_200_000).map(\.address),
                try FactSpans.facts(db, AddressFact.self, vmID: vm).map(\.address)
            )
        }
        #expect(before.isEmpty)
        #expect(at == ["10.0.2.15"])
        #expect(after == ["10.0.2.99"])
        #expect(now == ["10.0.2.99"])
    }

    @Test("NULL members and numbers compare as facts too (os-release changes)")
    func nullableColumns() throws {
        let temporary = try TemporaryStore()
        try temporary.store.database.write { db in
            let vm = try VMRegistry.register(db, name: "vm1", socketPath: "/s", at: 0)
            let fact = OSInfoFact(osId: "debian", name: "Debian GNU/Linux", version: "12", versionId: "12", kernelRelease: "6.1",
                                  kernelVersion: "#1", machine: "x86_64")
            #expect(try FactSpans.replace(db, vmID: vm, with: [fact], at: 10).opened == 1)
            #expect(try FactSpans.replace(db, vmID: vm, with: [fact], at: 20).isEmpty)
            var upgraded = fact
            upgraded.version = "13"
            #expect(try FactSpans.replace(db, vmID: vm, with: [upgraded], at: 30) == .init(opened: 1, closed: 1))
            #expect(try FactSpans.facts(db, OSInfoFact.self, vmID: vm, at: 25) == [fact])
        }
    }

    @Test("retention removes ended history and keeps current facts and unfinished execs")
    func retention() throws {
        let temporary = try TemporaryStore()
        try temporary.store.database.write { db in
            let vm = try VMRegistry.register(db, name: "vm1", socketPath: "/s", at: 0)
            try FactSpans.replace(db, vmID: vm, with: [HostNameFact(hostName: "old")], at: 10)
            try FactSpans.replace(db, vmID: vm, with: [HostNameFact(hostName: "new")], at: 20)
            try VMRegistry.transition(db, vmID: vm, to: .connecting, reason: "x", at: 15)
            try db.execute(sql: """
                INSERT INTO exec (vm_id, requested_at, path, args, capture, timeout_ms, state, finished_at)
                VALUES (?, 5, '/bin/true', '[]', 'none', 1000, 'exited', 6), (?, 5, '/bin/sleep', '[]', 'none', 1000, 'running', NULL)
                """, arguments: [vm, vm])
            try db.execute(sql: "INSERT INTO audit (at, uid, action) VALUES (5, 0, 'exec')")
            let removed = try FleetStore.prune(db, before: 1_000)
            #expect(removed == RetentionRemoved(facts: 1, transitions: 2, execs: 1, audit: 1))
            #expect(try FactSpans.facts(db, HostNameFact.self, vmID: vm) == [HostNameFact(hostName: "new")])
            #expect(try String.fetchAll(db, sql: "SELECT state FROM exec") == ["running"])
        }
    }
}

@Suite("Store: exec ledger")
struct ExecLedgerStoreTests {
    @Test("states only move forward: sent once, running from sent, a finished exec is never overwritten")
    func forwardOnly() async throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        let vms = try await store.attachVMs([("vm1", "/s"), ("vm2", "/t"), ("vm3", "/u")], at: 0)
        let vm = vms[0]
        let pending = try await store.submitExec(vmID: vm, .init(path: "sh", args: ["-c", "echo \"hi\"\n"], env: ["A=1"]), at: 1)
        _ = try await store.submitExec(vmID: vms[1], .init(path: "true"), at: 1)
        #expect(pending.state == .pending && pending.args == ["-c", "echo \"hi\"\n"] && pending.env == ["A=1"])
        let columns = try store.database.read { db in try Row.fetchOne(db, sql: "SELECT args, env FROM exec WHERE id = ?", arguments: [pending.id]) }
        #expect(columns?["args"] as String? == #"["-c","echo \"hi\"\n"]"# && columns?["env"] as String? == #"["A=1"]"#, "JSON columns")
        #expect(try await store.markExecSent(id: pending.id))
        #expect(try await !store.markExecSent(id: pending.id), "a second sender must not take it")
        try await store.markExecRunning(id: pending.id, pid: 42, at: 2)
        try await store.markExecExited(id: pending.id, .init(exitCode: 0, stdout: Array("hi\n".utf8)), at: 3)
        try await store.markExecFinished(id: pending.id, .lost, error: "late poller", at: 4)
        let done = try #require(try await store.exec(id: pending.id)?.record)
        #expect(done.state == .exited && done.exitCode == 0 && done.error == nil && done.guestPid == 42)
        #expect(try await store.unfinishedExecs(vmID: vm).isEmpty)
        // What a supervisor starting up must resume: vm2's exec only.
        #expect(try await store.vmIDsWithUnfinishedExecs() == [vms[1]])
    }
}
