import Foundation
import GRDB

/// fleetd's database: one SQLite file in WAL mode through a GRDB pool (readers never wait for
/// the writer), migrated on open from the migrations embedded at build time.
public final class FleetStore: Sendable {
    public let pool: DatabasePool

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL with NORMAL sync: a crash loses at most the last transactions, never integrity.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    /// The schema, one GRDB migration per file of migrations/, in order.
    public static var migrator: DatabaseMigrator {
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
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }
}

/// Milliseconds since the Unix epoch, the schema's unit of time.
public typealias Millis = Int64

extension Date {
    public var millis: Millis { Millis((timeIntervalSince1970 * 1000).rounded()) }
}
