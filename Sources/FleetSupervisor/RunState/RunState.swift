/// Whether a VM's CPUs run, as its stack says (QMP for bare QEMU, libvirt for its domains).
/// The agent's state (responsive, frozen, …) is judged only while the VM runs: a paused VM
/// cannot answer, and is not unresponsive for it.
public enum RunState: Sendable, Equatable {
    case running
    /// Its CPUs are stopped; the reason says by whom or why (an operator, a migration, an
    /// I/O error, a guest panic, suspended to RAM).
    case paused(String)
    /// It does not run at all (shut down, crashed, shut off).
    case stopped(String)
    /// Nobody says (the monitor is gone, or another client holds it): the agent alone is judged.
    case unknown(String)

    /// What QMP's `query-status` calls a state (RunState in QEMU's schema), as a run state.
    public static func fromQMPStatus(_ status: String) -> RunState {
        switch status {
        case "running": .running
        case "paused": .paused("paused by its operator")
        case "prelaunch": .paused("not started yet (-S)")
        case "inmigrate": .paused("waiting for an incoming migration")
        case "postmigrate": .paused("migrated away")
        case "finish-migrate": .paused("finishing a migration")
        case "save-vm": .paused("saving its state")
        case "restore-vm": .paused("restoring its state")
        case "suspended": .paused("suspended to RAM by its guest")
        case "io-error": .paused("stopped on a disk I/O error")
        case "watchdog": .paused("stopped by its watchdog")
        case "guest-panicked": .paused("its guest panicked")
        case "internal-error": .paused("an internal error in QEMU")
        case "debug": .paused("stopped in a debugger")
        case "colo": .paused("COLO checkpointing")
        case "shutdown": .stopped("shut down")
        default: .paused("QEMU reports '\(status)'")
        }
    }

    /// Whether the agent may be spoken to at all: only while the VM runs (or nobody says).
    public var runs: Bool {
        switch self {
        case .running, .unknown: true
        case .paused, .stopped: false
        }
    }
}

/// What a run-state feed reports.
public enum RunStateReport: Sendable, Equatable {
    /// The run state now (the first report is the state found at connect).
    case state(RunState)
    /// The VM was reset (rebooted): its agent is gone until the guest has booted again.
    case reset
}
