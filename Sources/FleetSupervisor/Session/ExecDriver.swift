import FleetStore
import Foundation
import GRDB
import QGA

/// Carries one ledger exec through the guest: guest-exec, then guest-exec-status polled with
/// backoff until the process exits or its time runs out. Each step is committed before the next
/// is taken, so a crash leaves the row saying exactly how far it got: a 'sent' exec whose pid
/// was never stored is marked lost — it is never sent twice.
struct ExecDriver {
    let store: FleetStore
    let connection: AgentConnection
    let statusTimeout: Duration

    func drive(_ record: ExecRecord) async {
        var record = record
        let id = record.id
        do {
            if record.state == "pending" {
                guard try await store.pool.write({ db in try ExecLedger.markSent(db, id: id) }) else { return }
                guard let pid = try await start(record) else { return }
                try await store.pool.write { db in try ExecLedger.markRunning(db, id: id, pid: pid, at: Date().millis) }
                record.state = "running"
                record.guestPid = pid
                record.startedAt = Date().millis
            }
            switch record.state {
            case "sent":
                try await finish(record.id, "lost", "fleetd stopped after sending guest-exec; the guest pid is unknown")
            case "running":
                try await poll(record)
            default:
                return
            }
        } catch {
            // The store is unavailable: the row keeps its last committed state and is resumed.
        }
    }

    /// Sends guest-exec; returns the guest pid, or nil when the exec ended here (recorded).
    private func start(_ record: ExecRecord) async throws -> Int64? {
        let args = (try? JSONDecoder().decode([String].self, from: Data(record.args.utf8))) ?? []
        let env = record.env.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
        // qemu-ga 7.2 knows only the boolean form; the modes go to agents that have them.
        let capture: GuestExecCaptureOutput = switch record.capture {
        case "none": .flag(false)
        case "separated": .flag(true)
        default: .mode(GuestExecCaptureOutputMode(rawValue: record.capture) ?? .separated)
        }
        let arguments = GuestExecArguments(
            path: record.path, arg: args, env: env, inputData: record.input.map { QGABase64.encode(Array($0)) },
            captureOutput: capture)
        do {
            let started = try await connection.call(GuestExecCommand.self, arguments, timeout: statusTimeout.timeAmount)
            return started.pid
        } catch AgentConnectionError.agent(let error) {
            try await finish(record.id, "failed", "\(error.errorClass): \(error.desc)")
        } catch {
            // It may or may not have started in the guest: say so rather than guess.
            try await finish(record.id, "lost", "guest-exec sent, no answer: \(error)")
        }
        return nil
    }

    private func poll(_ record: ExecRecord) async throws {
        guard let pid = record.guestPid else { return try await finish(record.id, "lost", "no guest pid recorded") }
        let deadline = (record.startedAt ?? record.requestedAt) + record.timeoutMs
        var delay = Duration.milliseconds(10)
        while true {
            let status: GuestExecStatus
            do {
                status = try await connection.call(GuestExecStatusCommand.self, GuestExecStatusArguments(pid: pid), timeout: statusTimeout.timeAmount)
            } catch AgentConnectionError.agent(let error) {
                // The agent forgot the pid: it restarted, or it already handed out the result —
                // an agent drops an exec once it has reported it exited, so a result read just
                // before fleetd was killed (and not yet stored) cannot be read again.
                return try await finish(
                    record.id, "lost",
                    "guest-exec-status for pid \(pid): \(error.desc) (the agent forgets an exec once its result was read, "
                        + "or it restarted)")
            }
            if status.exited {
                let outcome = ExecLedger.Outcome(
                    exitCode: status.exitcode, signal: status.signal,
                    stdout: try status.outData.map { try QGABase64.decode($0) },
                    stderr: try status.errData.map { try QGABase64.decode($0) },
                    outTruncated: status.outTruncated, errTruncated: status.errTruncated)
                try await store.pool.write { db in try ExecLedger.markExited(db, id: record.id, outcome, at: Date().millis) }
                FleetMetrics.execFinished("exited")
                return
            }
            if Date().millis >= deadline {
                return try await finish(record.id, "timed-out", "still running after \(record.timeoutMs) ms (guest pid \(pid))")
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(1))
        }
    }

    private func finish(_ id: Int64, _ state: String, _ error: String) async throws {
        try await store.pool.write { db in try ExecLedger.markFinished(db, id: id, state: state, error: error, at: Date().millis) }
        FleetMetrics.execFinished(state)
    }
}
