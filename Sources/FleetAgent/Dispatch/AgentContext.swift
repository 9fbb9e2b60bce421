#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QGA

/// Everything handlers reach: the system seam, persistent state, open files, running execs,
/// the command policy (including the frozen state) and the log. One instance per agent,
/// confined to the agent's single event-loop thread, like qemu-ga's GAState.
final class AgentContext {
    var system: LinuxSystem
    let state: StateDirectory
    let log: AgentLog
    var policy: CommandPolicy
    var fsfreezeHook: String?
    var files = FileHandleTable()
    let execs: ExecTable
    /// Descriptors of filesystems frozen by guest-fsfreeze-freeze, thawed in reverse order.
    var frozenMounts: [FrozenMount] = []
    /// Filled in by the agent once the dispatcher exists (guest-info lists what it serves).
    var agentInfo: () -> GuestAgentInfo = { GuestAgentInfo(version: FleetVersion.current, supportedCommands: []) }

    init(system: LinuxSystem, state: StateDirectory, log: AgentLog, policy: CommandPolicy, fsfreezeHook: String?, reactor: Reactor) {
        self.system = system
        self.state = state
        self.log = log
        self.policy = policy
        self.fsfreezeHook = fsfreezeHook
        self.execs = ExecTable(reactor: reactor, log: log)
        // Handlers write to children's stdin (guest-exec input, chpasswd) and to clients that may
        // be gone; a write to a closed pipe must be an EPIPE error, not the agent's death.
        signal(SIGPIPE, SIG_IGN)
        if state.isMarkedFrozen { setFrozen(true) }
    }

    var isFrozen: Bool { policy.frozen }

    /// Enters or leaves the frozen state: commands restricted, log silenced, marker kept.
    func setFrozen(_ frozen: Bool) {
        policy.frozen = frozen
        log.suspended = frozen
        if frozen {
            do { try state.markFrozen() } catch { log.critical("unable to create frozen marker: \(error)") }
        } else {
            state.clearFrozen()
        }
    }
}
