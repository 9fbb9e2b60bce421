import FleetStore
import GRDB

/// All of fleetd's writes go through here and are committed in batches: one transaction every
/// `interval` (or sooner when many are queued), so 10,000 VMs cost a few commits a second, not
/// one per event. Heartbeats are folded per VM before they reach SQL.
public actor StoreWriter {
    public typealias Operation = @Sendable (Database) throws -> Void

    private let store: FleetStore
    private var operations: [Operation] = []
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

    public func enqueue(_ operation: @escaping Operation) {
        operations.append(operation)
        scheduleFlush()
    }

    /// Folds a heartbeat result in, from any thread; only the first result after a commit
    /// costs a hop (to schedule the next one).
    public nonisolated func heartbeat(vmID: Int64, _ update: (inout VMRegistry.HeartbeatSummary) -> Void) {
        if heartbeats.record(vmID: vmID, update) {
            Task { await self.scheduleFlush() }
        }
    }

    private func scheduleFlush() {
        guard flushTask == nil else { return }
        let delay = operations.count > 5000 ? Duration.zero : interval
        flushTask = Task {
            try? await Task.sleep(for: delay)
            await self.flush()
        }
    }

    /// Commits everything queued in one transaction.
    public func flush() async {
        flushTask = nil
        let batch = operations
        let beats = heartbeats.drain()
        operations.removeAll(keepingCapacity: true)
        guard !batch.isEmpty || !beats.isEmpty else { return }
        // Writes must land even while fleetd is shutting down (its tasks cancelled): GRDB's
        // async API honours cancellation, so the transaction runs in a task of its own.
        let store = self.store
        let started = ContinuousClock.now
        let failed = await Task.detached {
            do {
                try await store.pool.write { db in
                    for operation in batch { try operation(db) }
                    for (vmID, summary) in beats { try VMRegistry.applyHeartbeats(db, vmID: vmID, summary) }
                }
                return 0
            } catch {
                // One bad operation must not take the batch with it: redo them one by one.
                var failed = 0
                for operation in batch {
                    do { try await store.pool.write { db in try operation(db) } } catch { failed += 1 }
                }
                try? await store.pool.write { db in
                    for (vmID, summary) in beats { try VMRegistry.applyHeartbeats(db, vmID: vmID, summary) }
                }
                return failed
            }
        }.value
        let took = ContinuousClock.now - started
        FleetMetrics.storeWrite.recordNanoseconds(took.components.seconds * 1_000_000_000 + took.components.attoseconds / 1_000_000_000)
        if failed > 0 { FleetMetrics.storeWriteFailures.increment(by: failed) }
        commits += 1
        failures += failed
    }
}
