import FleetStore
import Foundation
import Logging
import NIOCore
import QGA

/// One VM's session, for as long as the VM exists: open a link to its agent (with capped,
/// jittered backoff), sync, learn the enabled commands, collect inventory, then heartbeat and
/// refresh inventory on schedule — resyncing after any timeout or reconnect. Every state change
/// is recorded with its reason; nothing one VM does can block another. The session drives any
/// kind of `AgentLink` and knows nothing of sockets.
public actor VMSession {
    public let name: String
    public let vmID: Int64
    let endpoint: any AgentEndpoint
    let config: SupervisorConfig
    let writer: StoreWriter
    let store: FleetStore
    let inventoryGate: AsyncSemaphore
    let collector: InventoryCollector
    let completions: ExecCompletions
    let sleeper: LoopSleeper
    var machine: SessionMachine
    var link: (any AgentLink)?
    var enabledCommands: Set<String> = []
    var unsupported: Set<String> = []
    var schedule: InventorySchedule
    var factCache = FactCache()
    var removed = false
    let logger: Logger
    /// Execs with a driver at work: one driver per exec, however often the session resyncs.
    var drivingExecs: Set<Int64> = []
    /// Whether the ledger may hold an exec of this VM that no driver is at: then a sync reads
    /// it. Mostly false, so 10,000 VMs syncing at start do not queue 10,000 ledger reads in
    /// front of the control API's (a status call waited 8 s behind them).
    var ledgerMayOweExecs: Bool
    /// A task is asking a frozen agent whether it is still frozen (`followFreeze`).
    var followingFreeze = false
    /// Ends the boot grace of a VM that has just started (`noteBoot`).
    var bootGraceTimer: Task<Void, Never>?
    /// Tells a flapping VM's machine when it may have been stable long enough (`followFlapping`).
    var flapTimer: Task<Void, Never>?
    /// Follows the VM's run state (QMP, libvirt), when something tells it (`followRunState`).
    var runStateTask: Task<Void, Never>?
    /// The run state last reported; nil until the first report.
    var lastRunState: RunState?
    /// Tasks waiting for a run-state report or a change of state (`waitForChange`).
    var changeWaiters: [AsyncStream<Void>.Continuation] = []
    /// The steady state's heartbeat events; finished to end it at once (the VM was paused).
    var steadyEvents: AsyncStream<HeartbeatEvent>.Continuation?
    /// How long the VM has been frozen, and when fleetd thaws a freeze of its own.
    var freezeWatch: FreezeWatch
    var freezeTimer: Task<Void, Never>?
    /// Whether fleetd may thaw a freeze of its own when its deadline passes: never a Proxmox
    /// VM's (its freezes are Proxmox's backups').
    let autoThaw: Bool

    public var state: SessionState { machine.state }

    init(
        name: String, vmID: Int64, endpoint: any AgentEndpoint, config: SupervisorConfig, store: FleetStore, writer: StoreWriter,
        inventoryGate: AsyncSemaphore, completions: ExecCompletions, sleeper: LoopSleeper, logger: Logger,
        hasUnfinishedExecs: Bool = true, autoThaw: Bool = true
    ) {
        var logger = logger
        logger[metadataKey: "vm"] = "\(name)"
        self.logger = logger
        self.name = name
        self.vmID = vmID
        self.endpoint = endpoint
        self.config = config
        self.store = store
        self.writer = writer
        self.inventoryGate = inventoryGate
        self.completions = completions
        self.sleeper = sleeper
        self.ledgerMayOweExecs = hasUnfinishedExecs
        self.autoThaw = autoThaw
        self.freezeWatch = FreezeWatch(maxFrozen: config.freezeMax)
        self.collector = InventoryCollector(facts: InventoryFacts(limits: config.inventoryLimits))
        self.schedule = InventorySchedule(intervals: config.inventoryIntervals)
        // Every session starts disconnected; the supervisor has recorded that in the store.
        self.machine = SessionMachine(state: .disconnected, missThreshold: config.missThreshold, flapPolicy: config.flapPolicy)
    }

    // MARK: Lifecycle

    /// Runs until the task is cancelled or the VM goes away; `runState` tells whether the VM
    /// runs, where something can (nil: its agent alone is judged).
    public func run(runState feed: (any RunStateFeed)? = nil) async {
        await apply(.socketAppeared)
        await noteBoot()
        if let feed { await followRunState(feed) }
        defer {
            bootGraceTimer?.cancel()
            flapTimer?.cancel()
            runStateTask?.cancel()
            freezeTimer?.cancel()
        }
        var backoff = config.backoffInitial
        while !Task.isCancelled && !removed {
            await waitWhileHalted()
            guard !Task.isCancelled && !removed else { break }
            await apply(.connectStarted)
            do {
                let link = try await endpoint.open()
                self.link = link
                await apply(.connected)
                await serve(link)
                await link.close()
                self.link = nil
                let closedBecause = await link.closed()
                await apply(.disconnected(closedBecause ?? "connection closed"))
                // A guest that made fleetd hang up (a reply past its cap) is called back with a
                // growing delay; any other ending starts the backoff over.
                if closedBecause == nil { backoff = config.backoffInitial }
            } catch {
                if endpoint.isGone() {
                    removed = true
                    await apply(.socketRemoved)
                    break
                }
                await apply(.connectFailed(Self.describe(error)))
            }
            guard !Task.isCancelled && !removed else { break }
            try? await Task.sleep(for: Self.jittered(backoff))
            backoff = min(backoff * 2, config.backoffMax)
        }
        if let link { await link.close() }
    }

    /// The VM is gone (its socket removed): record it and stop.
    public func socketRemoved() async {
        removed = true
        await apply(.socketRemoved)
        if let link { await link.close() }
    }

    /// Linked: sync, learn, collect, then heartbeat until the link ends.
    private func serve(_ link: any AgentLink) async {
        while !Task.isCancelled && !removed && link.isOpen {
            // Nothing is sent to a VM that does not run; after a resume this resyncs at once
            // (and the inventory round after it measures the clock's drift again).
            await waitWhileHalted()
            guard !Task.isCancelled && !removed && link.isOpen else { return }
            do {
                FleetMetrics.resyncs.increment()
                try await link.synchronize()
            } catch AgentConnectionError.disconnected {
                return
            } catch AgentConnectionError.busy {
                // Another client's turn on a shared socket: wait a jittered heartbeat, ask again.
                await apply(.agentBusy)
                await sleeper.sleep(for: Self.jittered(config.heartbeatInterval))
                continue
            } catch {
                // A guest that does not answer the sync: count it as a missed heartbeat.
                await apply(.heartbeatMissed("sync: \(Self.describe(error))"))
                continue
            }
            await apply(.synced)
            await inShortTask { await self.settleAfterSync(link) }
            schedule.restart()
            do {
                try await steadyState(link)
            } catch AgentConnectionError.disconnected {
                return
            } catch {
                continue  // resync, then carry on
            }
        }
    }

    /// Runs `work` in a task of its own and waits for it, passing cancellation on. A task keeps
    /// the memory its deepest calls needed until it ends: one-off deep work (guest-info's decoding
    /// after a sync, an inventory round) would otherwise stay with the session's lifelong tasks
    /// for good — several KiB per VM at 10,000 VMs. Detached: a child would copy the task-local
    /// values it inherits into a fresh 1 KiB allocation, once per inventory round per VM.
    func inShortTask(_ work: @escaping @Sendable () async -> Void) async {
        let task = Task.detached(operation: work)
        await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
    }

    /// What the agent can do, whether it is frozen, and the execs it owes.
    private func settleAfterSync(_ link: any AgentLink) async {
        await learnCommands(link)
        await refreshFrozenState(link)
        // A frozen agent refuses guest-exec: its execs wait for the thaw (see `apply`).
        if machine.state == .responsive { await resumeExecs(link) }
    }

    /// Heartbeats and inventory (on its own schedule) until something requires a resync (thrown).
    private func steadyState(_ link: any AgentLink) async throws {
        // Paused while it synced: no heartbeat starts.
        if machine.halted { throw AgentConnectionError.interrupted }
        let (events, continuation) = AsyncStream.makeStream(of: HeartbeatEvent.self)
        steadyEvents = continuation
        let monitor = HeartbeatMonitor(vmID: vmID, writer: writer, events: continuation)
        let heartbeat = HeartbeatSchedule(
            interval: config.heartbeatInterval.timeAmount, timeout: config.commandTimeout.timeAmount, report: monitor.report)
        // A link that cannot ping on its own is pinged from here, on the same schedule.
        let polled = link.supportsPersistentHeartbeat ? nil : Task { [sleeper] in await PolledHeartbeat.run(heartbeat, through: link, sleeper: sleeper) }
        if polled == nil { link.startHeartbeat(heartbeat) }
        let inventory = Task { await self.inventoryLoop(link) }
        defer {
            steadyEvents = nil
            inventory.cancel()
            polled?.cancel()
            if polled == nil { link.stopHeartbeat() }
        }
        for await event in events {
            guard !removed else { return }
            switch event {
            case .answered:
                if let back = await apply(.heartbeatOK), back.from == .unresponsive {
                    // A VM that stopped answering may have been paused (or its host starved): its
                    // clock fell behind meanwhile. Measure the drift now, not at the next refresh.
                    schedule.markRefreshed(.clock, at: .now)
                    Task { await self.refreshGated([.clock], link) }
                }
            case .frozen: await apply(.frozenDetected)
            case .busy: await apply(.agentBusy)
            case .missed(let error):
                await apply(.heartbeatMissed(error.description))
                if error.requiresResync || error == .disconnected { throw error }
            }
        }
        // The heartbeat ended without a miss to say why: it was interrupted or stopped.
        if !Task.isCancelled && !removed { throw AgentConnectionError.interrupted }
    }

    // MARK: Actions (control API)

    /// The live link, for an action the control API was asked for. Refused (with the state and
    /// its reason) unless the session is synced: a request on an unsynced stream could be
    /// answered by a stale reply.
    public func linkForAction() throws(SessionUnavailable) -> any AgentLink {
        guard let link, [.responsive, .frozen].contains(machine.state) else {
            throw SessionUnavailable(state: machine.state)
        }
        return link
    }

    /// An action froze or thawed the guest's filesystems: show it now, not at the next resync.
    public func freezeChanged(frozen: Bool) async {
        await apply(frozen ? .frozenDetected : .thawDetected)
    }

    // MARK: State

    /// Feeds the state machine; a transition is queued for the store in the order it happened.
    @discardableResult
    func apply(_ event: SessionEvent) async -> SessionTransition? {
        let wasFrozen = machine.frozen
        let applied = machine.apply(event)
        if machine.frozen != wasFrozen { frozenChanged() }
        guard let transition = applied else { return nil }
        guard transition.changesState else {
            logger.info("\(transition.to.rawValue): \(transition.reason)")
            await writer.enqueue(.restate(vmID: vmID, reason: transition.reason))
            return transition
        }
        wakeChangeWaiters()
        // One line per change of state, never one per heartbeat or retry.
        logger.info("\(transition.from.rawValue) → \(transition.to.rawValue): \(transition.reason)")
        await writer.enqueue(.transition(vmID: vmID, to: transition.to, reason: transition.reason, at: Date().millis))
        // Back from frozen or unresponsive on the same link: the execs submitted meanwhile, and
        // those whose polling gave up while the guest did not answer, go on now.
        if transition.to == .responsive, [.frozen, .unresponsive, .booting, .flapping].contains(transition.from), let link {
            await resumeExecs(link)
        }
        if transition.to == .frozen, let link { followFreeze(link) }
        if transition.to == .flapping { followFlapping() }
        return transition
    }

    static func jittered(_ base: Duration) -> Duration {
        base * Double.random(in: 0.75...1.25)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? AgentConnectionError { return error.description }
        if let error = error as? IOError { return error.description }
        return "\(error)"
    }
}
