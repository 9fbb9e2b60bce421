import Foundation
import GRDB

/// One exec as the ledger holds it.
public struct ExecRecord: Sendable, Equatable, Codable, FetchableRecord {
    public var id: Int64
    public var vmID: Int64
    public var requestedAt: Millis
    public var requestedByUID: Int64?
    public var path: String
    public var args: String
    public var env: String?
    public var input: Data?
    public var capture: String
    public var timeoutMs: Int64
    public var state: String
    public var guestPid: Int64?
    public var startedAt: Millis?
    public var finishedAt: Millis?
    public var exitCode: Int64?
    public var signal: Int64?
    public var stdout: Data?
    public var stderr: Data?
    public var outTruncated: Bool?
    public var errTruncated: Bool?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id, path, args, env, input, capture, state, signal, stdout, stderr, error
        case vmID = "vm_id", requestedAt = "requested_at", requestedByUID = "requested_by_uid"
        case timeoutMs = "timeout_ms", guestPid = "guest_pid", startedAt = "started_at"
        case finishedAt = "finished_at", exitCode = "exit_code", outTruncated = "out_truncated"
        case errTruncated = "err_truncated"
    }

    public var isFinished: Bool { ["exited", "failed", "timed-out", "lost"].contains(state) }
}

/// The `exec` table. Every state change is its own committed write (never batched): a crash
/// must never leave the ledger claiming less than what was sent to a guest.
public enum ExecLedger {
    public struct Request: Sendable, Equatable {
        public var path: String
        public var args: [String]
        public var env: [String]?
        public var input: [UInt8]?
        public var capture: String
        public var timeoutMs: Int64
        public var requestedByUID: Int64?

        public init(path: String, args: [String] = [], env: [String]? = nil, input: [UInt8]? = nil,
                    capture: String = "separated", timeoutMs: Int64 = 60_000, requestedByUID: Int64? = nil) {
            self.path = path
            self.args = args
            self.env = env
            self.input = input
            self.capture = capture
            self.timeoutMs = timeoutMs
            self.requestedByUID = requestedByUID
        }
    }

    static func json(_ strings: [String]) -> String {
        // Arrays of strings always encode.
        String(decoding: (try? JSONEncoder().encode(strings)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// Records a new exec as pending and returns its id.
    public static func submit(_ db: Database, vmID: Int64, _ request: Request, at time: Millis) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO exec (vm_id, requested_at, requested_by_uid, path, args, env, input, capture, timeout_ms, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                """,
            arguments: [vmID, time, request.requestedByUID, request.path, json(request.args), request.env.map(json),
                        request.input.map { Data($0) }, request.capture, request.timeoutMs])
        return db.lastInsertedRowID
    }

    public static func fetch(_ db: Database, id: Int64) throws -> ExecRecord? {
        try ExecRecord.fetchOne(db, sql: "SELECT * FROM exec WHERE id = ?", arguments: [id])
    }

    /// Execs of a VM that still need work, oldest first.
    public static func unfinished(_ db: Database, vmID: Int64) throws -> [ExecRecord] {
        try ExecRecord.fetchAll(
            db, sql: "SELECT * FROM exec WHERE vm_id = ? AND state IN ('pending', 'sent', 'running') ORDER BY id", arguments: [vmID])
    }

    /// pending → sent; false when another actor already took it.
    public static func markSent(_ db: Database, id: Int64) throws -> Bool {
        try db.execute(sql: "UPDATE exec SET state = 'sent' WHERE id = ? AND state = 'pending'", arguments: [id])
        return db.changesCount == 1
    }

    public static func markRunning(_ db: Database, id: Int64, pid: Int64, at time: Millis) throws {
        try db.execute(
            sql: "UPDATE exec SET state = 'running', guest_pid = ?, started_at = ? WHERE id = ? AND state = 'sent'",
            arguments: [pid, time, id])
    }

    public struct Outcome: Sendable, Equatable {
        public var exitCode: Int64?
        public var signal: Int64?
        public var stdout: [UInt8]?
        public var stderr: [UInt8]?
        public var outTruncated: Bool?
        public var errTruncated: Bool?
        public init(exitCode: Int64? = nil, signal: Int64? = nil, stdout: [UInt8]? = nil, stderr: [UInt8]? = nil,
                    outTruncated: Bool? = nil, errTruncated: Bool? = nil) {
            self.exitCode = exitCode
            self.signal = signal
            self.stdout = stdout
            self.stderr = stderr
            self.outTruncated = outTruncated
            self.errTruncated = errTruncated
        }
    }

    public static func markExited(_ db: Database, id: Int64, _ outcome: Outcome, at time: Millis) throws {
        try db.execute(
            sql: """
                UPDATE exec SET state = 'exited', finished_at = ?, exit_code = ?, signal = ?, stdout = ?, stderr = ?,
                    out_truncated = ?, err_truncated = ? WHERE id = ? AND state IN ('pending', 'sent', 'running')
                """,
            arguments: [time, outcome.exitCode, outcome.signal, outcome.stdout.map { Data($0) }, outcome.stderr.map { Data($0) },
                        outcome.outTruncated, outcome.errTruncated, id])
    }

    /// failed, timed-out or lost, with the reason.
    public static func markFinished(_ db: Database, id: Int64, state: String, error: String, at time: Millis) throws {
        precondition(["failed", "timed-out", "lost"].contains(state))
        // A finished exec is never overwritten (a second poller must not turn 'exited' into 'lost').
        try db.execute(
            sql: "UPDATE exec SET state = ?, error = ?, finished_at = ? WHERE id = ? AND state IN ('pending', 'sent', 'running')",
            arguments: [state, error, time, id])
    }
}
