import Foundation
import GRDB

/// A new row of `exec`, as submitted.
private struct NewExec: Encodable, PersistableRecord {
    static let databaseTableName = "exec"

    var vmId: Int64
    var requestedAt: Millis
    var requestedByUid: Int64?
    var path: String
    var args: [String]
    var env: [String]?
    var input: Data?
    var capture: ExecCaptureMode
    var timeoutMs: Int64
    var state = ExecState.pending

    enum CodingKeys: String, CodingKey {
        case vmId = "vm_id", requestedAt = "requested_at", requestedByUid = "requested_by_uid", path, args, env, input, capture, timeoutMs = "timeout_ms", state
    }
}

/// Why a ledger write was refused.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownVM(String)

    public var description: String {
        switch self {
        case .unknownVM(let name): "no VM named '\(name)'"
        }
    }
}

/// The exec ledger. Every state change is its own committed write (never batched with
/// others): a crash must never leave the ledger claiming less than what was sent to a guest.
extension FleetStore {
    /// Records a new exec as pending and returns it as stored.
    public func submitExec(vmID: Int64, _ request: ExecRequest, at time: Millis) async throws -> ExecRecord {
        try await database.write { db in try Self.submitExec(db, vmID: vmID, request, at: time) }
    }

    static func submitExec(_ db: Database, vmID: Int64, _ request: ExecRequest, at time: Millis) throws -> ExecRecord {
        try NewExec(
            vmId: vmID, requestedAt: time, requestedByUid: request.requestedByUID, path: request.path, args: request.args,
            env: request.env, input: request.input.map { Data($0) }, capture: request.capture, timeoutMs: request.timeoutMs
        ).insertAndFetch(db, as: ExecRecord.self)
    }

    /// Execs of a VM that still need work, oldest first.
    public func unfinishedExecs(vmID: Int64) async throws -> [ExecRecord] {
        try await database.read { db in
            try ExecRecord.filter(Column("vm_id") == vmID && ExecState.unfinished.contains(Column("state"))).order(Column("id")).fetchAll(db)
        }
    }

    /// The VMs with an exec not yet finished (what a supervisor starting up must resume).
    public func vmIDsWithUnfinishedExecs() async throws -> Set<Int64> {
        try await database.read { db in
            Set(try ExecRecord.select(Column("vm_id"), as: Int64.self).distinct()
                .filter(ExecState.unfinished.contains(Column("state"))).fetchAll(db))
        }
    }

    /// pending → sent; false when another driver already took it.
    public func markExecSent(id: Int64) async throws -> Bool {
        try await writeUncancelled { db in
            try db.execute(sql: "UPDATE exec SET state = 'sent' WHERE id = ? AND state = 'pending'", arguments: [id])
            return db.changesCount == 1
        }
    }

    /// sent → running, with the guest's pid.
    public func markExecRunning(id: Int64, pid: Int64, at time: Millis) async throws {
        try await writeUncancelled { db in
            try db.execute(
                sql: "UPDATE exec SET state = 'running', guest_pid = ?, started_at = ? WHERE id = ? AND state = 'sent'",
                arguments: [pid, time, id])
        }
    }

    /// An unfinished exec ran to the end.
    public func markExecExited(id: Int64, _ outcome: ExecOutcome, at time: Millis) async throws {
        try await writeUncancelled { db in
            try db.execute(
                sql: """
                    UPDATE exec SET state = 'exited', finished_at = ?, exit_code = ?, signal = ?, stdout = ?, stderr = ?,
                        out_truncated = ?, err_truncated = ? WHERE id = ? AND state IN ('pending', 'sent', 'running')
                    """,
                arguments: [time, outcome.exitCode, outcome.signal, outcome.stdout.map { Data($0) }, outcome.stderr.map { Data($0) },
                            outcome.outTruncated, outcome.errTruncated, id])
        }
    }

    /// An unfinished exec ended without an outcome (failed, timed out or lost), with the reason.
    /// A finished exec is never overwritten: a second poller must not turn 'exited' into 'lost'.
    public func markExecFinished(id: Int64, _ failure: ExecFailure, error: String, at time: Millis) async throws {
        try await writeUncancelled { db in
            try db.execute(
                sql: "UPDATE exec SET state = ?, error = ?, finished_at = ? WHERE id = ? AND state IN ('pending', 'sent', 'running')",
                arguments: [failure.state, error, time, id])
        }
    }
}
