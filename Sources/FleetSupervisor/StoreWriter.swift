import FleetStore

/// All of a supervisor's batched writes go through here and are committed together: one
/// transaction every `interval` (or sooner when many are queued), so 10,000 VMs cost a few
/// commits a second, not one per event. Heartbeats are folded per VM before they reach the store.
public actor StoreWriter {
    private let store: FleetStore
    private var changes: [StoreChange] = []
    /// Filled from event loops without a hop; drained at every commit.
    public nonisolated let heartbeats = HeartbeatBuffer()
    private var flushTask: Task<Void, Never>?
    private let interval: Duration
    public private(set) var commits = 0
    public private(set) var failures = 0

    public init(store: FleetStore, interval: Duration = .milliseconds(200)) {
        self.store = store
        self.interval = interval
    }

    public func enqueue(_ change: StoreChange) {
        changes.append(change)
        scheduleFlush()
    }

    public func enqueue(_ batch: [StoreChange]) {
        changes += batch
        scheduleFlush()
    }

    /// Folds a heartbeat result in, from any thread; only the first result after a commit
    /// costs a hop (to schedule the next one).
    public nonisolated func heartbeat(vmID: Int64, _ update: (inout HeartbeatSummary) -> Void) {
        if heartbeats.record(vmID: vmID, update) {
            Task { await self.scheduleFlush() }
        }
    }

    private func scheduleFlush() {
        guard flushTask == nil else { return }
        let delay = changes.count > 5000 ? Duration.zero : interval
        flushTask = Task {
            try? await Task.sleep(for: delay)
            await self.flush()
        }
    }

    /// Commits everything queued in one transaction.
    public func flush() async {
        flushTask = nil
        let batch = changes
        let beats = heartbeats.drain()
        changes.removeAll(keepingCapacity: true)
        guard !batch.isEmpty || !beats.isEmpty else { return }
        let started = ContinuousClock.now
        let failed = await store.commit(batch, heartbeats: beats)
        let took = ContinuousClock.now - started
        FleetMetrics.storeWrite.recordNanoseconds(took.components.seconds * 1_000_000_000 + took.components.attoseconds / 1_000_000_000)
        if failed > 0 { FleetMetrics.storeWriteFailures.increment(by: failed) }
        commits += 1
        failures += failed
    }
}
