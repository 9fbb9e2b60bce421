import FleetStore
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Supervises every VM in the socket directory: discovers sockets (inotify plus a periodic
/// rescan), keeps one `VMSession` per VM, and marks VMs whose socket is gone as `gone` — never
/// deleting them, so their history stays.
public actor Supervisor {
    public let config: SupervisorConfig
    public let store: FleetStore
    public let writer: StoreWriter
    private let group: any EventLoopGroup
    private let inventoryGate: AsyncSemaphore
    /// Wakes requests waiting on an exec the moment its outcome is in the ledger.
    public nonisolated let execCompletions = ExecCompletions()
    private var sessions: [String: (session: VMSession, task: Task<Void, Never>)] = [:]
    private let logger: Logger

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
    }

    /// Runs until the surrounding task is cancelled; then stops every session and flushes.
    public func run() async throws {
        let watcher = try SocketDirectoryWatcher(directory: config.socketDirectory, naming: config.socketNaming)
        try await reconcile(markMissingGone: true)
        logger.info("supervising \(sessions.count) VMs in \(config.socketDirectory)")
        let rescans = Task { [config] in
            while !Task.isCancelled {
                try? await Task.sleep(for: config.rescanInterval)
                try? await self.reconcile(markMissingGone: false)
            }
        }
        await withTaskCancellationHandler {
            for await change in watcher.changes {
                switch change {
                case .appeared(let name, let path): try? await startSessions([(name, path)])
                case .disappeared(let name): await stopSession(name: name)
                case .rescanNeeded: try? await reconcile(markMissingGone: false)
                }
            }
        } onCancel: {
            watcher.stop()
        }
        rescans.cancel()
        await shutdown()
    }

    /// Makes the sessions match the directory. At start-up, VMs the store remembers whose
    /// socket is missing are recorded as gone.
    public func reconcile(markMissingGone: Bool) async throws {
        let present = SocketDirectory.scan(config.socketDirectory, naming: config.socketNaming)
        try await startSessions(present.filter { sessions[$0.key] == nil }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        for name in sessions.keys where present[name] == nil {
            await stopSession(name: name)
        }
        if markMissingGone {
            try await store.markGone(allBut: Set(present.keys), reason: "socket missing when fleetd started", at: Date().millis)
        }
    }

    /// Starts sessions for sockets, registering all of them in one transaction: at start-up
    /// 10,000 VMs appear at once, and one commit each held every session back for seconds.
    private func startSessions(_ sockets: [(name: String, path: String)]) async throws {
        var starting: [(name: String, path: String)] = []
        for (name, path) in sockets {
            if let existing = sessions[name] {
                // inotify and a rescan can both report the same socket.
                if await existing.session.state != .gone { continue }
                existing.task.cancel()
            }
            starting.append((name, path))
        }
        guard !starting.isEmpty else { return }
        let ids = try await store.attachVMs(starting.map { ($0.name, $0.path) }, at: Date().millis)
        // One ledger read for all of them, not one per VM as each syncs (nil: each reads its own).
        let owed = try? await store.vmIDsWithUnfinishedExecs()
        for ((name, path), id) in zip(starting, ids) {
            let session = VMSession(
                name: name, vmID: id, endpoint: SocketEndpoint(path: path, group: group, config: config), config: config,
                store: store, writer: writer, inventoryGate: inventoryGate, completions: execCompletions,
                sleeper: LoopSleeper(group: group), logger: logger, hasUnfinishedExecs: owed?.contains(id) ?? true)
            let task = Task { await session.run() }
            sessions[name] = (session, task)
        }
    }

    private func stopSession(name: String) async {
        guard let entry = sessions.removeValue(forKey: name) else { return }
        await entry.session.socketRemoved()
        entry.task.cancel()
        await entry.task.value
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
    /// `gone`; one whose session is not synced says in which state it is.
    public func actions(for name: String) async throws -> VMActions {
        guard let session = sessions[name]?.session else { throw SessionUnavailable(state: .gone) }
        return VMActions(vm: name, link: try await session.linkForAction(), session: session, config: config)
    }

    /// Current states by VM name (for tests and the control API).
    public func states() async -> [String: SessionState] {
        var result: [String: SessionState] = [:]
        for (name, entry) in sessions { result[name] = await entry.session.state }
        return result
    }
}
