import FleetAPIModel
import FleetStore
import Foundation
import OpenAPIRuntime

/// Exec ledger rows as the API shows them.
enum ExecViews {
    static func state(_ record: ExecRecord) -> Components.Schemas.ExecState {
        Components.Schemas.ExecState(rawValue: record.state.rawValue) ?? .failed
    }

    static func summary(_ record: ExecRecord, vm: String) -> Components.Schemas.ExecSummary {
        .init(id: record.id, vm: vm, state: state(record), path: record.path, args: record.args,
              requestedAt: Date(millis: record.requestedAt), requestedByUid: record.requestedByUid,
              finishedAt: record.finishedAt.map(Date.init(millis:)), exitCode: record.exitCode, signal: record.signal,
              error: record.error)
    }

    static func detail(_ record: ExecRecord, vm: String) -> Components.Schemas.ExecDetail {
        .init(id: record.id, vm: vm, state: state(record), path: record.path, args: record.args,
              env: record.env, requestedAt: Date(millis: record.requestedAt), requestedByUid: record.requestedByUid,
              startedAt: record.startedAt.map(Date.init(millis:)), finishedAt: record.finishedAt.map(Date.init(millis:)),
              guestPid: record.guestPid, timeoutSeconds: Double(record.timeoutMs) / 1000, exitCode: record.exitCode,
              signal: record.signal, stdout: record.stdout.map { Base64EncodedData(Array($0)) },
              stderr: record.stderr.map { Base64EncodedData(Array($0)) }, stdoutTruncated: record.outTruncated,
              stderrTruncated: record.errTruncated, error: record.error)
    }
}
