import GRDB
import Synchronization

/// Every attached VM's heartbeat figures, current in memory and written to its `vm` row every
/// few seconds (`FleetStore.persistHeartbeats`) instead of with every ping: at 10,000 VMs one
/// row UPDATE per ping was 2,000 statements and ~1,000 WAL page writes a second, a seventh of
/// fleetd's CPU. The store's reads show these figures, never the lagging row, so nothing the
/// API shows is staler than the last ping; what a crash loses is the counts since the last write.
///
/// The figures are absolute (seeded from the row when the VM is attached), not deltas: a read
/// overlapping a write can then never count a ping twice or miss it.
public final class LiveHeartbeats: Sendable {
    private struct Entry {
        var figures: HeartbeatFigures
        /// Changed since it was last written.
        var dirty = false
    }

    private struct State {
        var entries: [Int64: Entry] = [:]
        /// Whether anything changed since the last `takeChanged`.
        var changed = false
    }

    private let state = Mutex(State())

    init() {}

    /// Takes the stored figures of VMs being attached; a VM already known keeps its live ones.
    func seed(_ stored: [(vmID: Int64, HeartbeatFigures)]) {
        state.withLock { state in
            for (vmID, figures) in stored where state.entries[vmID] == nil {
                state.entries[vmID] = Entry(figures: figures)
            }
        }
    }

    /// Folds one heartbeat outcome in, from any thread (heartbeats report from their event
    /// loops: a lock, not an actor, so a ping costs no task hop). A VM that was never attached
    /// has no row to keep figures for: ignored. Returns true for the first change since the
    /// last write (the caller schedules the next one).
    @discardableResult
    public func record(vmID: Int64, _ update: (inout HeartbeatFigures) -> Void) -> Bool {
        state.withLock { state in
            guard state.entries[vmID] != nil else { return false }
            update(&state.entries[vmID]!.figures)
            state.entries[vmID]!.dirty = true
            defer { state.changed = true }
            return !state.changed
        }
    }

    /// The live figures of one VM, if it was attached.
    public func figures(of vmID: Int64) -> HeartbeatFigures? {
        state.withLock { $0.entries[vmID]?.figures }
    }

    /// Records with their live figures in place of the stored ones.
    func overlay(_ records: [VMRecord]) -> [VMRecord] {
        state.withLock { state in
            records.map { record in state.entries[record.id].map { record.with($0.figures) } ?? record }
        }
    }

    func overlay(_ record: VMRecord?) -> VMRecord? {
        record.map { overlay([$0])[0] }
    }

    /// The figures changed since the last call, marked written.
    func takeChanged() -> [(vmID: Int64, HeartbeatFigures)] {
        state.withLock { state in
            state.changed = false
            let changed = state.entries.compactMap { $0.value.dirty ? ($0.key, $0.value.figures) : nil }
            for (vmID, _) in changed { state.entries[vmID]!.dirty = false }
            return changed
        }
    }

    /// Marks figures changed again (their write failed).
    func markChanged(_ vmIDs: [Int64]) {
        state.withLock { state in
            for vmID in vmIDs { state.entries[vmID]?.dirty = true }
            if !vmIDs.isEmpty { state.changed = true }
        }
    }
}

extension FleetStore {
    /// Writes the heartbeat figures that changed since the last call to their `vm` rows, in one
    /// transaction; runs to the end even while fleetd shuts down. Returns how many were
    /// written; when the write fails they stay marked for the next call.
    @discardableResult
    public func persistHeartbeats() async throws -> Int {
        let changed = heartbeats.takeChanged()
        guard !changed.isEmpty else { return 0 }
        do {
            try await writeUncancelled { db in
                for (vmID, figures) in changed { try VMRegistry.storeHeartbeat(db, vmID: vmID, figures) }
            }
            return changed.count
        } catch {
            heartbeats.markChanged(changed.map(\.vmID))
            throw error
        }
    }
}
