/// The session's side of run state: whether the VM runs decides whether anything is sent.
extension VMSession {
    /// Follows `feed` from now on (replacing any feed followed before). At start a session waits
    /// briefly for the first report, so that a VM found paused is not sent a sync first.
    public func followRunState(_ feed: any RunStateFeed) async {
        runStateTask?.cancel()
        runStateTask = Task { [sleeper] in
            await feed.follow { await self.runStateReported($0) }
            // The feed ended by itself: its monitor is gone. When QEMU exited the VM's agent
            // socket went too and the session is ending; otherwise nobody says any more whether
            // it runs, and a VM last seen paused must not stay paused for ever.
            await sleeper.sleep(for: .seconds(1))
            guard !Task.isCancelled else { return }
            await self.runStateFeedEnded(feed.label)
        }
        guard lastRunState == nil else { return }
        await waitForChange(atMost: Self.firstRunStateWait)
    }

    static var firstRunStateWait: Duration { .seconds(2) }

    /// A report from the feed: a change of run state, or a reset (the guest reboots).
    func runStateReported(_ report: RunStateReport) async {
        switch report {
        case .reset:
            // The guest reboots: its agent is away until it has booted again, and that is not a
            // hang, for as long as a boot may take.
            await startBootGrace(age: .zero)
        case .state(let run):
            guard run != lastRunState else { return }
            lastRunState = run
            let wasHalted = machine.halted
            await apply(.runState(run))
            // Paused: heartbeats and inventory stop now, not after the next miss.
            if machine.halted && !wasHalted { steadyEvents?.finish() }
            wakeChangeWaiters()
        }
    }

    private func runStateFeedEnded(_ label: String) async {
        guard !removed else { return }
        await runStateReported(.state(.unknown("\(label) is gone")))
    }

    /// Returns once the VM runs (at once when it does), or the task is cancelled.
    func waitWhileHalted() async {
        while machine.halted && !Task.isCancelled {
            await waitForChange(atMost: nil)
        }
    }

    /// For an action that may wait: if the VM is paused, waits (at most `limit`) until it runs
    /// again and its resync is done; returns at once otherwise.
    public func waitForResume(atMost limit: Duration) async {
        guard machine.state == .paused else { return }
        let deadline = ContinuousClock.now + limit
        while machine.halted, ContinuousClock.now < deadline, !Task.isCancelled {
            await waitForChange(atMost: deadline - .now)
        }
        // Resumed: the resync takes a moment (a sync, guest-info); it ends in a change of state.
        while machine.state == .syncing || machine.state == .connecting, ContinuousClock.now < deadline, !Task.isCancelled {
            await waitForChange(atMost: deadline - .now)
        }
    }

    /// Wakes whoever waits in `waitForChange` (they look again at what they wait for).
    func wakeChangeWaiters() {
        guard !changeWaiters.isEmpty else { return }
        for waiter in changeWaiters { waiter.finish() }
        changeWaiters.removeAll()
    }

    /// Waits for the next run-state report or change of state, at most `limit` (nil: as long as
    /// it takes).
    func waitForChange(atMost limit: Duration?) async {
        let (changed, waiter) = AsyncStream.makeStream(of: Void.self)
        changeWaiters.append(waiter)
        let timer = limit.map { limit in Task { [sleeper] in
            await sleeper.sleep(for: limit)
            waiter.finish()
        } }
        for await _ in changed {}
        timer?.cancel()
    }
}
