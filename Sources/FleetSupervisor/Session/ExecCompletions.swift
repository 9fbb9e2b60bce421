/// Tells a request waiting on an exec, in this process, that the exec has ended — so the
/// control API answers the moment the outcome is committed instead of polling the ledger. Only
/// a signal: the waiter reads the outcome from the ledger, which survives a restart (a waiter
/// does not). Register before reading the ledger, then wait, and no ending is missed.
public actor ExecCompletions {
    public struct Ticket: Hashable, Sendable {
        let exec: Int64
        let serial: Int
    }

    private enum Waiter {
        case registered
        case signalled
        case waiting(CheckedContinuation<Void, Never>)
    }

    private var waiters: [Int64: [Int: Waiter]] = [:]
    private var serial = 0

    public init() {}

    /// Starts listening for the end of exec `id`.
    public func register(_ id: Int64) -> Ticket {
        serial += 1
        waiters[id, default: [:]][serial] = .registered
        return Ticket(exec: id, serial: serial)
    }

    /// Waits until the exec ends (or ended since `register`) or `deadline` passes, then forgets the ticket.
    public func wait(_ ticket: Ticket, until deadline: ContinuousClock.Instant) async {
        guard case .registered? = waiters[ticket.exec]?[ticket.serial] else {
            remove(ticket)
            return
        }
        var timer: Task<Void, Never>?
        await withCheckedContinuation { continuation in
            waiters[ticket.exec]?[ticket.serial] = .waiting(continuation)
            // Armed only once the continuation is in place, so the deadline can never be missed.
            timer = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                self.resume(ticket)
            }
        }
        timer?.cancel()
    }

    /// Forgets a ticket that will not be waited on.
    public func cancel(_ ticket: Ticket) {
        remove(ticket)
    }

    /// Exec `id` has ended: wake everyone waiting on it.
    public func finished(_ id: Int64) {
        guard let entries = waiters[id] else { return }
        for (serial, waiter) in entries {
            switch waiter {
            case .registered: waiters[id]?[serial] = .signalled
            case .waiting: resume(Ticket(exec: id, serial: serial))
            case .signalled: break
            }
        }
    }

    private func resume(_ ticket: Ticket) {
        guard case .waiting(let continuation)? = waiters[ticket.exec]?[ticket.serial] else { return }
        remove(ticket)
        continuation.resume()
    }

    private func remove(_ ticket: Ticket) {
        waiters[ticket.exec]?[ticket.serial] = nil
        if waiters[ticket.exec]?.isEmpty == true { waiters[ticket.exec] = nil }
    }
}
