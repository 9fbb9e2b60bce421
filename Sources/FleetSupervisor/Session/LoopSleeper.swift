import NIOCore

/// Sleeps on an event loop's timers instead of Swift's. `Task.sleep` arms a timer on
/// Dispatch's manager thread and wakes a worker thread to resume the task; a session's periodic
/// sleeps (inventory rounds, polled heartbeats) would cost two thread switches each, hundreds a
/// second at 10,000 VMs. With the event loops as the concurrency executor (fleetd installs them)
/// the task resumes on the loop that fired the timer — usually the VM's own connection's loop.
public struct LoopSleeper: Sendable {
    let group: any EventLoopGroup

    public init(group: any EventLoopGroup) {
        self.group = group
    }

    /// Returns at `deadline`, or at once when the task is cancelled.
    func sleep(until deadline: ContinuousClock.Instant) async {
        await sleep(for: ContinuousClock.now.duration(to: deadline))
    }

    /// Returns after `duration`, or at once when the task is cancelled.
    func sleep(for duration: Duration) async {
        guard duration > .zero, !Task.isCancelled else { return }
        let scheduled = group.any().scheduleTask(in: duration.timeAmount) {}
        await withTaskCancellationHandler {
            _ = try? await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    }
}
