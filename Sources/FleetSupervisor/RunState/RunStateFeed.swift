/// Where a session learns whether its VM runs: a QMP monitor (bare QEMU), libvirt's events (its
/// domains). A VM without one is judged by its agent alone.
public protocol RunStateFeed: Sendable {
    /// For logs: "QMP /run/fleet/vms/vm7.qmp".
    var label: String { get }
    /// Reports the run state until the task is cancelled: the state found first, then every
    /// change, and `.unknown` whenever the feed loses sight of the VM (it tries again itself).
    /// Returns when cancelled, or when the VM is gone for good.
    func follow(_ report: @escaping @Sendable (RunStateReport) async -> Void) async
}
