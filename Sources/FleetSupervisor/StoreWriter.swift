import FleetStore

/// All of a supervisor's batched writes go through here and are committed together: one
/// transaction every `interval` (or sooner when many are queued), so 10,000 VMs cost a few
/// commits a second, not one per event. Heartbeats do not queue: they update the store's live
/// figures at once (`LiveHeartbeats`, which the reads show), and those are written to the rows
/// every `heartbeatInterval`.
public actor StoreWriter {
    private let store: FleetStore
    private var changes: [StoreChange] = []
    private var flushTask: Task<Void, Never>?
    private var persistTask: Task<Void, Never>?
    /// The last write started. Each write waits for the one before, so `finish` can wait for
    /// every write in flight — one a timer started is not lost when fleetd exits.
    private var lastWrite: Task<Void, Never>?
    private let interval: Duration
    private let heartbeatInterval: Duration
    public private(set) var commits = 0
    public private(set) var failures = 0

    public init(store: FleetStore, interval: Duration = .milliseconds(200), heartbeatInterval: Duration = .seconds(30)) {
        self.store = store
        self.interval = interval
        self.heartbeatInterval = heartbeatInterval
    }

    public func enqueue(_ change: StoreChange) {
        changes.append(change)
        scheduleFlush()
    }

    public func enqueue(_ batch: [StoreChange]) {
        changes += batch
        scheduleFlush()
    }

    /// Folds a heartbeat outcome into the VM's live figures, from any thread; only the first
    /// change after a write costs a hop (to schedule the next write).
    public nonisolated func heartbeat(vmID: Int64, _ update: (inout HeartbeatFigures) -> Void) {
        if store.heartbeats.record(vmID: vmID, update) {
            Task { await self.schedulePersist() }
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

    private func schedulePersist() {
        guard persistTask == nil else { return }
        persistTask = Task {
            try? await Task.sleep(for: heartbeatInterval)
            await self.persistHeartbeats()
        }
    }

    /// Commits everything queued in one transaction.
    public func flush() async {
        flushTask = nil
        let batch = changes
        // Not `removeAll(keepingCapacity:)`: `batch` shares the buffer, so that would allocate a
        // new one as large as the largest batch ever queued (1 MiB after start-up at 10,000
        // VMs) on every flush, five times a second.
        changes = []
        guard !batch.isEmpty else { return }
        await write { [store] in
            let started = ContinuousClock.now
            let failed = await store.commit(batch)
            await self.record(started: started, failed: failed)
        }
    }

    /// Writes the live heartbeat figures that changed to their rows.
    public func persistHeartbeats() async {
        persistTask = nil
        await write { [store] in
            let started = ContinuousClock.now
            do {
                if try await store.persistHeartbeats() > 0 { await self.record(started: started, failed: 0) }
            } catch {
                await self.record(started: started, failed: 1)
            }
        }
    }

    private func write(_ work: @escaping @Sendable () async -> Void) async {
        let previous = lastWrite
        let task = Task {
            await previous?.value
            await work()
        }
        lastWrite = task
        await task.value
    }

    /// Commits what is queued and writes the heartbeat figures: before fleetd stops.
    public func finish() async {
        flushTask?.cancel()
        persistTask?.cancel()
        await flush()
        await persistHeartbeats()
        await lastWrite?.value
    }

    private func record(started: ContinuousClock.Instant, failed: Int) {
        let took = ContinuousClock.now - started
        FleetMetrics.storeWrite.recordNanoseconds(took.components.seconds * 1_000_000_000 + took.components.attoseconds / 1_000_000_000)
        if failed > 0 { FleetMetrics.storeWriteFailures.increment(by: failed) }
        commits += 1
        failures += failed
    }
}
