import NIOCore

/// Sleeps on an event loop's timer wheel instead of Swift's timers. `Task.sleep` arms a timer
/// on Dispatch's manager thread and wakes a worker thread to resume the task; a session's
/// periodic sleeps (inventory rounds, polled heartbeats) would cost two thread switches each,
/// hundreds a second at 10,000 VMs. NIO's own scheduled tasks keep a heap, and 10,000 sleeping
/// sessions made every timer of the loop pay for its depth. The wheel (`TimerWheel`) costs an
/// append; with the event loops as the concurrency executor (fleetd installs them) the task
/// resumes on the loop that fired the timer — usually the VM's own connection's loop. Sleeps
/// end up to one wheel resolution (50 ms) late.
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
        let loop = group.any()
        let woken = loop.makePromise(of: Void.self)
        let delay = duration.timeAmount
        // A promise completed twice keeps its first result: the timer after a cancellation,
        // or a cancellation after the timer, does nothing.
        let arm: @Sendable () -> Void = { TimerWheel.current(on: loop).schedule(in: delay) { woken.succeed() } }
        if loop.inEventLoop { arm() } else { loop.execute(arm) }
        await withTaskCancellationHandler {
            _ = try? await woken.futureResult.get()
        } onCancel: {
            woken.succeed()
        }
    }
}
