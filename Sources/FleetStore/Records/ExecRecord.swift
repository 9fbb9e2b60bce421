import Foundation
import GRDB

/// Where an exec is in the ledger. States only move forward: pending → sent → running →
/// one of the finished states (a 'sent' exec whose pid was never stored ends lost).
public enum ExecState: String, Sendable, CaseIterable, Codable, DatabaseValueConvertible {
    case pending, sent, running, exited, failed
    case timedOut = "timed-out"
    case lost

    /// The states an exec still needs work in.
    public static let unfinished: [ExecState] = [.pending, .sent, .running]

    public var isFinished: Bool { !Self.unfinished.contains(self) }
}

/// What guest-exec is asked to capture (QEMU's `capture-output`: the boolean of qemu-ga 7.2,
/// or a mode on newer agents).
public enum ExecCaptureMode: String, Sendable, CaseIterable, Codable, DatabaseValueConvertible {
    case none, stdout, stderr, separated, merged
}

/// One exec as the ledger holds it (a row of `exec`).
public struct ExecRecord: Sendable, Equatable, Codable, FetchableRecord, TableRecord {
    public static let databaseTableName = "exec"

    public var id: Int64
    public var vmId: Int64
    public var requestedAt: Millis
    public var requestedByUid: Int64?
    public var path: String
    /// JSON columns, as GRDB stores nested Codable values.
    public var args: [String]
    public var env: [String]?
    public var input: Data?
    public var capture: ExecCaptureMode
    public var timeoutMs: Int64
    public var state: ExecState
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

    public var isFinished: Bool { state.isFinished }

    enum CodingKeys: String, CodingKey {
        case id, vmId = "vm_id", requestedAt = "requested_at", requestedByUid = "requested_by_uid", path, args, env, input, capture, timeoutMs = "timeout_ms", state, guestPid = "guest_pid", startedAt = "started_at", finishedAt = "finished_at", exitCode = "exit_code", signal, stdout, stderr, outTruncated = "out_truncated", errTruncated = "err_truncated", error
    }
}

/// An exec as a caller asks for it, before the ledger has it.
public struct ExecRequest: Sendable, Equatable {
    public var path: String
    public var args: [String]
    public var env: [String]?
    public var input: [UInt8]?
    public var capture: ExecCaptureMode
    public var timeoutMs: Int64
    public var requestedByUID: Int64?

    public init(path: String, args: [String] = [], env: [String]? = nil, input: [UInt8]? = nil,
                capture: ExecCaptureMode = .separated, timeoutMs: Int64 = 60_000, requestedByUID: Int64? = nil) {
        self.path = path
        self.args = args
        self.env = env
        self.input = input
        self.capture = capture
        self.timeoutMs = timeoutMs
        self.requestedByUID = requestedByUID
    }
}

/// How an exec that ran to the end came out.
public struct ExecOutcome: Sendable, Equatable {
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

/// The ways an exec ends without an outcome from the guest.
public enum ExecFailure: String, Sendable {
    case failed, timedOut = "timed-out", lost

    var state: ExecState {
        switch self {
        case .failed: .failed
        case .timedOut: .timedOut
        case .lost: .lost
        }
    }
}
