import Foundation
import GRDB

/// fleetd's database: one SQLite file in WAL mode through a GRDB pool (readers never wait for
/// the writer), migrated on open from the migrations embedded at build time. In the style of
/// GRDB's `AppDatabase`: the database itself stays inside this module, and the rest of Fleet
/// goes through intent-named methods that keep the schema's invariants (a transition is always
/// recorded with the state it changes, an exec only moves forward, a fact is written only when
/// it changed). The read side is `FleetReader`, which a PostgreSQL-backed reader adopts too.
public final class FleetStore: Sendable {
    /// Internal: no SQL outside FleetStore. (Tests reach it through `@testable import`.)
    let database: DatabasePool
    /// Heartbeat figures of the attached VMs, current in memory (written to the rows every few
    /// seconds by `persistHeartbeats`); the reads show them.
    public let heartbeats = LiveHeartbeats()

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL with NORMAL sync: a crash loses at most the last transactions, never integrity.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    /// The schema, one GRDB migration per file of migrations/, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedMigrations.all {
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }

    /// Names of the embedded migrations, in order (for tests and `fleetd --version`).
    public static var migrationNames: [String] { EmbeddedMigrations.all.map(\.name) }

    /// The embedded SQL of one migration.
    public static func migrationSQL(_ name: String) -> String? {
        EmbeddedMigrations.all.first { $0.name == name }?.sql
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try database.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }

    /// A write that must land even while fleetd shuts down (its tasks cancelled): GRDB's async
    /// API honours cancellation, so the transaction runs in a task of its own.
    func writeUncancelled<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let database = self.database
        return try await Task.detached { try await database.write(updates) }.value
    }
}

/// Milliseconds since the Unix epoch, the schema's unit of time.
public typealias Millis = Int64

extension Date {
    public var millis: Millis { Millis((timeIntervalSince1970 * 1000).rounded()) }
}
