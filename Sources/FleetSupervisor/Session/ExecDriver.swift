import FleetStore
import Foundation
import QGA

/// Carries one ledger exec through the guest: guest-exec, then guest-exec-status polled with
/// backoff until the process exits or its time runs out. Each step is committed before the next
/// is taken, so a crash leaves the row saying exactly how far it got: a 'sent' exec whose pid
/// was never stored is marked lost — it is never sent twice. Whoever waits on the exec in this
/// process hears of its end at once (`ExecCompletions`); the ledger stays the truth.
struct ExecDriver {
    let store: FleetStore
    let link: any AgentLink
    let completions: ExecCompletions
    /// Returns once the VM runs: a paused VM is sent no status poll (its exec's time still runs).
    var waitWhileHalted: @Sendable () async -> Void = {}

    func drive(_ record: ExecRecord) async {
        var record = record
        do {
            if record.state == .pending {
                guard try await store.markExecSent(id: record.id) else { return }
                guard let pid = try await start(record) else { return }
                let now = Date().millis
                try await store.markExecRunning(id: record.id, pid: pid, at: now)
                record.state = .running
                record.guestPid = pid
                record.startedAt = now
            }
            switch record.state {
            case .sent:
                try await finish(record.id, .lost, "fleetd stopped after sending guest-exec; the guest pid is unknown")
            case .running:
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
        // qemu-ga 7.2 knows only the boolean form; the modes go to agents that have them.
        let capture: GuestExecCaptureOutput = switch record.capture {
        case .none: .flag(false)
        case .separated: .flag(true)
        case .stdout: .mode(.stdout)
        case .stderr: .mode(.stderr)
        case .merged: .mode(.merged)
        }
        let arguments = GuestExecArguments(
            path: record.path, arg: record.args, env: record.env, inputData: record.input.map { QGABase64.encode(Array($0)) },
            captureOutput: capture)
        do {
            return try await link.call(GuestExecCommand.self, arguments, within: .long).pid
        } catch AgentConnectionError.agent(let error) {
            try await finish(record.id, .failed, "\(error.errorClass): \(error.desc)")
        } catch {
            // It may or may not have started in the guest: say so rather than guess.
            try await finish(record.id, .lost, "guest-exec sent, no answer: \(error)")
        }
        return nil
    }

    private func poll(_ record: ExecRecord) async throws {
        guard let pid = record.guestPid else { return try await finish(record.id, .lost, "no guest pid recorded") }
        let deadline = (record.startedAt ?? record.requestedAt) + record.timeoutMs
        var delay = Duration.milliseconds(10)
        while true {
            await waitWhileHalted()
            let status: GuestExecStatus
            do {
                status = try await link.call(GuestExecStatusCommand.self, GuestExecStatusArguments(pid: pid), within: .long)
            } catch AgentConnectionError.agent(let error) {
                // The agent forgot the pid: it restarted, or it already handed out the result —
                // an agent drops an exec once it has reported it exited, so a result read just
                // before fleetd was killed (and not yet stored) cannot be read again.
                return try await finish(
                    record.id, .lost,
                    "guest-exec-status for pid \(pid): \(error.desc) (the agent forgets an exec once its result was read, "
                        + "or it restarted)")
            }
            if status.exited {
                let outcome = ExecOutcome(
                    exitCode: status.exitcode, signal: status.signal,
                    stdout: try status.outData.map { try QGABase64.decode($0) },
                    stderr: try status.errData.map { try QGABase64.decode($0) },
                    outTruncated: status.outTruncated, errTruncated: status.errTruncated)
                try await store.markExecExited(id: record.id, outcome, at: Date().millis)
                FleetMetrics.execFinished(ExecState.exited.rawValue)
                await completions.finished(record.id)
                return
            }
            if Date().millis >= deadline {
                return try await finish(record.id, .timedOut, "still running after \(record.timeoutMs) ms (guest pid \(pid))")
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(1))
        }
    }

    private func finish(_ id: Int64, _ failure: ExecFailure, _ error: String) async throws {
        try await store.markExecFinished(id: id, failure, error: error, at: Date().millis)
        FleetMetrics.execFinished(failure.rawValue)
        await completions.finished(id)
    }
}
