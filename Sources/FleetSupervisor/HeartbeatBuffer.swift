import FleetStore
import NIOConcurrencyHelpers

/// Heartbeat results waiting for the next commit, folded per VM. Heartbeats report from their
/// event loops, so this is a lock, not an actor: recording a ping must not cost a task hop.
public final class HeartbeatBuffer: Sendable {
    private let pending = NIOLockedValueBox<[Int64: HeartbeatSummary]>([:])

    public init() {}

    /// Folds one result in. Returns true when the buffer was empty (a commit must be scheduled).
    @discardableResult
    public func record(vmID: Int64, _ update: (inout HeartbeatSummary) -> Void) -> Bool {
        pending.withLockedValue { pending in
            let wasEmpty = pending.isEmpty
            update(&pending[vmID, default: HeartbeatSummary()])
            return wasEmpty
        }
    }

    /// Everything recorded since the last drain.
    public func drain() -> [Int64: HeartbeatSummary] {
        pending.withLockedValue { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
    }
}
