import FleetStore
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Supervises every VM its sources report (socket directories, Proxmox nodes): keeps one
/// `VMSession` per VM it may talk to, records VMs it must leave alone (a Proxmox lock, an agent
/// turned off) in their state, and marks VMs no source reports any more as `gone` — never
/// deleting them, so their history stays. Sources' change hints (inotify, config polls) and a
/// periodic rescan each lead to one reconcile of everything; hints arriving meanwhile fold
/// into the next.
public actor Supervisor {
    public let config: SupervisorConfig
    public let store: FleetStore
    public let writer: StoreWriter
    private let group: any EventLoopGroup
    private let inventoryGate: AsyncSemaphore
    private let sources: [any VMSource]
    /// Wakes requests waiting on an exec the moment its outcome is in the ledger.
    public nonisolated let execCompletions = ExecCompletions()
    private var sessions: [String: Running] = [:]
    /// VMs fleetd leaves alone, as last recorded.
    private var held: [String: DiscoveredVM] = [:]
    /// Names reported by two sources, logged once each.
    private var shadowedNames: Set<String> = []
    private let logger: Logger

    private struct Running {
        var session: VMSession
        var task: Task<Void, Never>
        var vm: DiscoveredVM
    }

    public init(
        config: SupervisorConfig, store: FleetStore, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "fleetd.supervisor")
    ) {
        self.logger = logger
        self.config = config
        self.store = store
        self.group = group
        self.writer = StoreWriter(store: store)
        self.inventoryGate = AsyncSemaphore(config.inventoryConcurrency)
        self.sources = config.sources.map { $0.makeSource(config: config) }
    }

    /// Runs until the surrounding task is cancelled; then stops every session and flushes.
    public func run() async throws {
        let (hints, hint) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        var watches: [any SourceWatch] = []
        do {
            for source in sources { watches.append(try source.watch { hint.yield() }) }
            try await reconcile(markMissingGone: true)
        } catch {
            for watch in watches { watch.stop() }
            throw error
        }
        let following = watches
        logger.info("supervising \(sessions.count) VMs (\(held.count) left alone) from \(sources.map(\.label).joined(separator: "; "))")
        let rescans = Task { [config] in
            while !Task.isCancelled {
                try? await Task.sleep(for: config.rescanInterval)
                hint.yield()
            }
        }
        await withTaskCancellationHandler {
            for await _ in hints {
                do {
                    try await reconcile(markMissingGone: false)
                } catch {
                    logger.error("reconciling VMs with their sources failed: \(error)")
                }
            }
        } onCancel: {
            for watch in following { watch.stop() }
            hint.finish()
        }
        rescans.cancel()
        await shutdown()
    }

    /// Makes sessions and held VMs match what the sources report now. At start-up, VMs the
    /// store remembers that no source reports are recorded as gone (first, so that a Proxmox VM
    /// renamed while fleetd was down finds its row by vmid).
    public func reconcile(markMissingGone: Bool) async throws {
        let (found, shadowed) = VMDiscovery.merge(sources.map { $0.scan() })
        for vm in shadowed where shadowedNames.insert(vm.name).inserted {
            logger.warning("VM '\(vm.name)' is reported twice; not using \(vm.socketPath) (\(vm.connection.rawValue))")
        }
        let now = Date().millis
        if markMissingGone {
            try await store.markGone(allBut: Set(found.keys), reason: "socket missing when fleetd started", at: now)
        }
        var resumeReasons: [String: String] = [:]
        var stopping: [(name: String, gone: Bool)] = []
        for (name, running) in sessions {
            guard let vm = found[name] else {
                stopping.append((name, true))
                continue
            }
            if vm.hold != nil {
                stopping.append((name, false))
            } else if !vm.sameLink(as: running.vm) {
                stopping.append((name, false))
                resumeReasons[name] = "agent now reached through \(vm.socketPath) (\(vm.connection.rawValue))"
            } else if await running.session.state == .gone {
                running.task.cancel()  // it found its socket gone before a rescan did; the socket is back
                sessions[name] = nil
            } else if vm.monitorPath != running.vm.monitorPath {
                // Its QMP socket was made after its agent socket was found (or went away: its
                // feed ends by itself).
                sessions[name]?.vm = vm
                if let feed = runStateFeed(for: vm) { await running.session.followRunState(feed) }
            }
        }
        if !stopping.isEmpty {
            await stopSessions(stopping)
            // Their last transitions land before the holds and attachments below.
            await writer.flush()
        }
        try await recordHolds(found, at: Date().millis, resumeReasons: &resumeReasons)
        let starting = found.values.filter { $0.hold == nil && sessions[$0.name] == nil }.sorted { $0.name < $1.name }
        try await startSessions(starting.map { vm in
            var attachment = vm.attachment
            attachment.reason = resumeReasons[vm.name]
            return (vm, attachment)
        })
    }

    /// Records VMs newly held (or held differently), and held VMs no source reports any more
    /// as gone. A VM held no longer gets the reason it resumes for.
    private func recordHolds(_ found: [String: DiscoveredVM], at now: Millis, resumeReasons: inout [String: String]) async throws {
        let holds = found.values.compactMap { vm in vm.hold.flatMap { held[vm.name] == vm ? nil : (vm, $0) } }
        if !holds.isEmpty {
            try await store.holdVMs(holds.map { ($0.0.attachment, $0.1.state, $0.1.reason, $0.1.lock) }, at: now)
            for (vm, hold) in holds { logger.notice("VM '\(vm.name)' left alone: \(hold.reason)") }
        }
        let vanished = held.keys.filter { found[$0] == nil }
        if !vanished.isEmpty { try await store.markGone(vanished, reason: "no source reports it any more", at: now) }
        for (name, vm) in held where found[name]?.hold == nil && found[name] != nil {
            switch vm.hold {
            case .locked(let lock): resumeReasons[name] = "Proxmox lock '\(lock)' released"
            case .agentDisabled: resumeReasons[name] = "guest agent enabled"
            case .noConfig, nil: resumeReasons[name] = "VM config appeared"
            }
        }
        held = found.filter { $0.value.hold != nil }
    }

    /// Starts sessions, registering all of them in one transaction: at start-up 10,000 VMs
    /// appear at once, and one commit each held every session back for seconds.
    private func startSessions(_ starting: [(vm: DiscoveredVM, attachment: VMAttachment)]) async throws {
        guard !starting.isEmpty else { return }
        let ids = try await store.attachVMs(starting.map(\.attachment), at: Date().millis)
        // One ledger read for all of them, not one per VM as each syncs (nil: each reads its own).
        let owed = try? await store.vmIDsWithUnfinishedExecs()
        for ((vm, _), id) in zip(starting, ids) {
            let session = VMSession(
                name: vm.name, vmID: id, endpoint: SocketEndpoint(path: vm.socketPath, connection: vm.connection, group: group, config: config),
                config: config, store: store, writer: writer, inventoryGate: inventoryGate, completions: execCompletions,
                sleeper: LoopSleeper(group: group), logger: logger, hasUnfinishedExecs: owed?.contains(id) ?? true,
                autoThaw: vm.vmid == nil)
            let feed = runStateFeed(for: vm)
            let task = Task { await session.run(runState: feed) }
            sessions[vm.name] = Running(session: session, task: task, vm: vm)
        }
    }

    /// Where the VM's run state comes from, if anywhere.
    private func runStateFeed(for vm: DiscoveredVM) -> (any RunStateFeed)? {
        vm.monitorPath.map { QMPRunStateFeed(path: $0, group: group, timeout: config.commandTimeout) }
    }

    /// Ends sessions, all at once (one whose exchange is slow to end delays no other): `gone`
    /// when no source reports the VM any more (recorded), else because fleetd must leave the VM
    /// alone or reach it another way.
    private func stopSessions(_ stopping: [(name: String, gone: Bool)]) async {
        var ending: [Task<Void, Never>] = []
        for (name, gone) in stopping {
            guard let entry = sessions.removeValue(forKey: name) else { continue }
            if gone { await entry.session.socketRemoved() }
            entry.task.cancel()
            ending.append(entry.task)
        }
        for task in ending { await task.value }
    }

    /// Stops every session (connections closed) and commits what is queued.
    public func shutdown() async {
        for entry in sessions.values { entry.task.cancel() }
        for entry in sessions.values { await entry.task.value }
        sessions.removeAll()
        await writer.finish()
    }

    /// Records an exec for a VM (before anything is sent) and starts it if the VM is reachable.
    /// Returns the exec as the ledger holds it.
    public func submitExec(vm: VMRecord, _ request: ExecRequest, requestedAt: Millis = Date().millis) async throws -> ExecRecord {
        let record = try await store.submitExec(vmID: vm.id, request, at: requestedAt)
        await sessions[vm.name]?.session.execSubmitted(record)
        return record
    }

    /// What an operator can ask of a VM now. A VM with no session (its socket is gone) is
    /// `gone`; one whose session is not synced says in which state it is — a paused one after
    /// up to `waitWhilePaused` for it to run again and resync.
    public func actions(for name: String, waitWhilePaused: Duration = .zero) async throws -> VMActions {
        if let hold = held[name]?.hold { throw SessionUnavailable(state: hold.state) }
        guard let session = sessions[name]?.session else { throw SessionUnavailable(state: .gone) }
        if waitWhilePaused > .zero { await session.waitForResume(atMost: waitWhilePaused) }
        return VMActions(vm: name, link: try await session.linkForAction(), session: session, config: config)
    }

    /// Current states by VM name (for tests and the control API), held VMs included.
    public func states() async -> [String: SessionState] {
        var result: [String: SessionState] = held.compactMapValues { $0.hold?.state }
        for (name, entry) in sessions { result[name] = await entry.session.state }
        return result
    }
}
