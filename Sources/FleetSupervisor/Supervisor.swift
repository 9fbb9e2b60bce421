import FleetStore
import Foundation
import GRDB
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
        let watcher = try SocketDirectoryWatcher(directory: config.socketDirectory)
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
        let present = SocketDirectory.scan(config.socketDirectory)
        try await startSessions(present.filter { sessions[$0.key] == nil }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        for name in sessions.keys where present[name] == nil {
            await stopSession(name: name)
        }
        if markMissingGone {
            let known = Set(present.keys)
            let now = Date().millis
            try await store.pool.write { db in
                let rows = try Row.fetchAll(db, sql: "SELECT id, name FROM vm WHERE state != 'gone'")
                for row in rows where !known.contains(row["name"]) {
                    try VMRegistry.transition(db, vmID: row["id"], to: .gone, reason: "socket missing when fleetd started", at: now)
                }
            }
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
        let now = Date().millis
        let ids = try await store.pool.write { [starting] db in
            try starting.map { try VMRegistry.attach(db, name: $0.name, socketPath: $0.path, at: now) }
        }
        for ((name, path), id) in zip(starting, ids) {
            let session = VMSession(
                name: name, vmID: id, socketPath: path,
                config: config, group: group, store: store, writer: writer, inventoryGate: inventoryGate, logger: logger)
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
        await writer.flush()
    }

    /// Records an exec for a VM (before anything is sent) and starts it if the VM is reachable.
    /// Returns the ledger id.
    public func submitExec(vm name: String, _ request: ExecLedger.Request, requestedAt: Millis = Date().millis) async throws -> Int64 {
        let id = try await store.pool.write { db -> Int64 in
            guard let vmID = try Int64.fetchOne(db, sql: "SELECT id FROM vm WHERE name = ?", arguments: [name]) else {
                throw SupervisorError.unknownVM(name)
            }
            return try ExecLedger.submit(db, vmID: vmID, request, at: requestedAt)
        }
        await sessions[name]?.session.execSubmitted(id)
        return id
    }

    /// The session of a VM, for an action. A VM the store knows but no socket backs now is
    /// `gone`; a name nobody knows is `unknownVM`.
    public func session(for name: String) async throws -> VMSession {
        if let entry = sessions[name] { return entry.session }
        let known = try await store.pool.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM vm WHERE name = ?", arguments: [name]) ?? false }
        throw known ? SupervisorError.unavailable(name, SessionUnavailable(state: .gone)) : SupervisorError.unknownVM(name)
    }

    /// Current states by VM name (for tests and the control API).
    public func states() async -> [String: SessionState] {
        var result: [String: SessionState] = [:]
        for (name, entry) in sessions { result[name] = await entry.session.state }
        return result
    }
}

public enum SupervisorError: Error, Equatable, CustomStringConvertible {
    case unknownVM(String)
    case unavailable(String, SessionUnavailable)

    public var description: String {
        switch self {
        case .unknownVM(let name): "no VM named '\(name)'"
        case .unavailable(let name, let why): "VM '\(name)' is \(why.state.rawValue)"
        }
    }
}
