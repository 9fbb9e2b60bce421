import FleetStore
import Foundation
import GRDB
import Logging
import NIOCore
import QGA

/// One VM's session, for as long as its socket exists: connect (with capped, jittered
/// backoff), sync, learn the enabled commands, collect inventory, then heartbeat and refresh
/// inventory on schedule — resyncing after any timeout or reconnect. Every state change is
/// recorded with its reason; nothing one VM does can block another.
public actor VMSession {
    public let name: String
    public let vmID: Int64
    private var socketPath: String
    private let config: SupervisorConfig
    private let group: any EventLoopGroup
    private let writer: StoreWriter
    private let store: FleetStore
    private let inventoryGate: AsyncSemaphore
    private let facts: InventoryFacts
    private var machine: SessionMachine
    private var connection: AgentConnection?
    private var enabledCommands: Set<String> = []
    private var unsupported: Set<String> = []
    private var nextInventory: [InventoryItem: ContinuousClock.Instant] = [:]
    private var lastStored: [SpanTable: [Fact]] = [:]
    private var removed = false
    private var logger: Logger
    /// Execs with a driver at work: one driver per exec, however often the session resyncs.
    private var drivingExecs: Set<Int64> = []

    public var state: SessionState { machine.state }

    init(
        name: String, vmID: Int64, socketPath: String, config: SupervisorConfig,
        group: any EventLoopGroup, store: FleetStore, writer: StoreWriter, inventoryGate: AsyncSemaphore, logger: Logger
    ) {
        self.store = store
        var logger = logger
        logger[metadataKey: "vm"] = "\(name)"
        self.logger = logger
        self.name = name
        self.vmID = vmID
        self.socketPath = socketPath
        self.config = config
        self.group = group
        self.writer = writer
        self.inventoryGate = inventoryGate
        self.facts = InventoryFacts(limits: config.inventoryLimits)
        // Every session starts disconnected; the supervisor has recorded that in the store.
        self.machine = SessionMachine(state: .disconnected, missThreshold: config.missThreshold)
    }

    // MARK: Lifecycle

    /// Runs until the task is cancelled or the socket is removed.
    public func run() async {
        await apply(.socketAppeared)
        var backoff = config.backoffInitial
        while !Task.isCancelled && !removed {
            await apply(.connectStarted)
            do {
                let connection = try await AgentConnection.connect(
                    unixSocket: socketPath, on: group, limits: config.replyLimits, connectTimeout: config.commandTimeout.timeAmount)
                self.connection = connection
                await apply(.connected)
                await serve(connection)
                await connection.close()
                self.connection = nil
                let closedBecause = connection.counters.closedBecause
                await apply(.disconnected(closedBecause ?? "connection closed"))
                // A guest that made fleetd hang up (a reply past its cap) is called back with a
                // growing delay; any other ending starts the backoff over.
                if closedBecause == nil { backoff = config.backoffInitial }
            } catch {
                // The socket file is gone and inotify has not said so yet (or never will, if the
                // event was lost): the VM is gone now, not after a string of failed connects.
                if !FileManager.default.fileExists(atPath: socketPath) {
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
        if let connection { await connection.close() }
    }

    /// The socket file is gone: record it and stop.
    public func socketRemoved() async {
        removed = true
        await apply(.socketRemoved)
        if let connection { await connection.close() }
    }

    /// Connected: sync, learn, collect, then heartbeat until the connection ends.
    private func serve(_ connection: AgentConnection) async {
        while !Task.isCancelled && !removed && connection.channel.isActive {
            do {
                try await connection.sync(resendEvery: config.syncResend.timeAmount, timeout: config.syncTimeout.timeAmount)
            } catch AgentConnectionError.disconnected {
                return
            } catch {
                // A guest that does not answer the sync: count it as a missed heartbeat.
                await apply(.heartbeatMissed("sync: \(Self.describe(error))"))
                continue
            }
            await apply(.synced)
            await learnCommands(connection)
            await refreshFrozenState(connection)
            await resumeExecs(connection)
            nextInventory = [:]
            do {
                try await steadyState(connection)
            } catch AgentConnectionError.disconnected {
                return
            } catch {
                continue  // resync, then carry on
            }
        }
    }

    /// Heartbeats (run by the channel on its event loop) and inventory (on its own schedule)
    /// until something requires a resync (thrown).
    private func steadyState(_ connection: AgentConnection) async throws {
        let (events, continuation) = AsyncStream.makeStream(of: HeartbeatEvent.self)
        let monitor = HeartbeatMonitor(vmID: vmID, writer: writer, events: continuation)
        connection.startHeartbeat(HeartbeatSchedule(
            interval: config.heartbeatInterval.timeAmount, timeout: config.commandTimeout.timeAmount, report: monitor.report))
        let inventory = Task { await self.inventoryLoop(connection) }
        defer {
            inventory.cancel()
            connection.stopHeartbeat()
        }
        for await event in events {
            guard !removed else { return }
            switch event {
            case .answered:
                if let back = await apply(.heartbeatOK), back.from == .unresponsive {
                    // A VM that stopped answering may have been paused (or its host starved): its
                    // clock fell behind meanwhile. Measure the drift now, not at the next refresh.
                    // (Through the fleet-wide gate: a whole fleet can come back at once.)
                    nextInventory[.clock] = ContinuousClock.now + Self.jittered(interval(of: .clock))
                    Task {
                        await self.inventoryGate.wait()
                        await self.refresh(.clock, connection)
                        await self.inventoryGate.signal()
                    }
                }
            case .frozen: await apply(.frozenDetected)
            case .missed(let error):
                await apply(.heartbeatMissed(error.description))
                if error.requiresResync || error == .disconnected { throw error }
            }
        }
        // The heartbeat ended without a miss to say why: it was interrupted or stopped.
        if !Task.isCancelled && !removed { throw AgentConnectionError.interrupted }
    }

    /// Refreshes each inventory item when it is due, sleeping until the next one is.
    private func inventoryLoop(_ connection: AgentConnection) async {
        while !Task.isCancelled && !removed {
            await refreshDueInventory(connection)
            let now = ContinuousClock.now
            // Nothing due soon (or not responsive): look again after a heartbeat interval.
            let next = nextInventory.values.filter { $0 > now }.min() ?? now + config.heartbeatInterval
            try? await Task.sleep(until: max(next, now + .milliseconds(100)), clock: .continuous)
        }
    }

    // MARK: Actions (control API)

    /// The live connection, for an action the control API was asked for. Refused (with the
    /// state and its reason) unless the session is synced: a request on an unsynced stream
    /// could be answered by a stale reply.
    public func connectionForAction() throws(SessionUnavailable) -> AgentConnection {
        guard let connection, [.responsive, .frozen].contains(machine.state) else {
            throw SessionUnavailable(state: machine.state)
        }
        return connection
    }

    /// An action froze or thawed the guest's filesystems: show it now, not at the next resync.
    public func freezeChanged(frozen: Bool) async {
        await apply(frozen ? .frozenDetected : .thawDetected)
    }

    // MARK: Execs

    /// Drives every unfinished exec of this VM (new ones, and those a previous run left).
    private func resumeExecs(_ connection: AgentConnection) async {
        guard let records = try? await store.pool.read({ [vmID] db in try ExecLedger.unfinished(db, vmID: vmID) }) else { return }
        for record in records { startDriving(record, connection) }
    }

    /// A new exec was recorded for this VM: run it now if the VM is reachable (else at the
    /// next connection).
    public func execSubmitted(_ id: Int64) async {
        guard let connection, machine.state == .responsive,
            let record = try? await store.pool.read({ db in try ExecLedger.fetch(db, id: id) })
        else { return }
        startDriving(record, connection)
    }

    private func startDriving(_ record: ExecRecord, _ connection: AgentConnection) {
        guard drivingExecs.insert(record.id).inserted else { return }
        let driver = ExecDriver(store: store, connection: connection, statusTimeout: config.longCommandTimeout)
        Task {
            await driver.drive(record)
            self.finishedDriving(record.id)
        }
    }

    private func finishedDriving(_ id: Int64) { drivingExecs.remove(id) }

    // MARK: What the agent can do

    private func learnCommands(_ connection: AgentConnection) async {
        let info: GuestAgentInfo
        do {
            info = try await connection.call(GuestInfoCommand.self, timeout: config.commandTimeout.timeAmount)
        } catch {
            // Without guest-info, only the baseline commands are assumed.
            enabledCommands = Set(QGACommandTable.all.filter { $0.origin == .baseline }.map { $0.name })
            return
        }
        enabledCommands = Set(info.supportedCommands.filter(\.enabled).map(\.name))
        unsupported = []
        await recordAgentInfo(info)
    }

    private func recordAgentInfo(_ info: GuestAgentInfo) async {
        let rows: [Fact]
        do {
            rows = try facts.agentInfo(info)
        } catch {
            await reject("guest-info", error as? InventoryRejection ?? InventoryRejection(reason: "invalid", detail: "\(error)"))
            return
        }
        let vm = vmID
        let now = Date().millis
        await writer.enqueue { db in
            try FactSpans.replace(db, .agentInfo, vmID: vm, with: rows, at: now)
            try db.run("DELETE FROM unsupported_command WHERE vm_id = ?", [vm])
        }
    }

    private func refreshFrozenState(_ connection: AgentConnection) async {
        guard enabledCommands.contains(GuestFsfreezeStatusCommand.name) else { return }
        if let status = try? await connection.call(GuestFsfreezeStatusCommand.self, timeout: config.commandTimeout.timeAmount) {
            await apply(status == .frozen ? .frozenDetected : .thawDetected)
        }
    }

    static func isFrozenError(_ error: QGAError) -> Bool {
        error.errorClass == .commandNotFound && error.desc.hasSuffix("the agent is in frozen state")
    }

    // MARK: Inventory

    private func refreshDueInventory(_ connection: AgentConnection) async {
        guard machine.state == .responsive else { return }
        let now = ContinuousClock.now
        for item in InventoryItem.allCases where (nextInventory[item] ?? now) <= now {
            guard item.commands.allSatisfy({ enabledCommands.contains($0) && !unsupported.contains($0) }) else { continue }
            // Spread refreshes so that a fleet started together does not poll in lockstep.
            nextInventory[item] = now + Self.jittered(interval(of: item))
            await inventoryGate.wait()
            await refresh(item, connection)
            await inventoryGate.signal()
        }
    }

    private func interval(of item: InventoryItem) -> Duration {
        config.inventoryIntervals[item] ?? item.defaultInterval
    }

    private func refresh(_ item: InventoryItem, _ connection: AgentConnection) async {
        let timeout = config.commandTimeout.timeAmount
        let vm = vmID
        do {
            switch item {
            case .osInfo:
                let rows = try facts.osInfo(try await connection.call(GuestGetOSInfoCommand.self, timeout: timeout))
                await store(.osInfo, rows)
            case .hostName:
                await store(.hostName, try facts.hostName(try await connection.call(GuestGetHostNameCommand.self, timeout: timeout)))
            case .timezone:
                await store(.timezone, try facts.timezone(try await connection.call(GuestGetTimezoneCommand.self, timeout: timeout)))
            case .network:
                let interfaces = try await connection.call(GuestNetworkGetInterfacesCommand.self, timeout: timeout)
                let rows = try facts.network(interfaces)
                let now = Date().millis
                let interfacesChanged = changed(.interface, rows.interfaces), addressesChanged = changed(.address, rows.addresses)
                await writer.enqueue { db in
                    if interfacesChanged { try FactSpans.replace(db, .interface, vmID: vm, with: rows.interfaces, at: now) }
                    if addressesChanged { try FactSpans.replace(db, .address, vmID: vm, with: rows.addresses, at: now) }
                    for interface in interfaces {
                        guard let s = interface.statistics else { continue }
                        try db.run(
                            """
                                INSERT OR REPLACE INTO interface_counters
                                (vm_id, name, sampled_at, rx_bytes, rx_packets, rx_errs, rx_dropped, tx_bytes, tx_packets, tx_errs, tx_dropped)
                                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                                """,
                            [vm, interface.name, now, Int64(clamping: s.rxBytes), Int64(clamping: s.rxPackets),
                                        Int64(clamping: s.rxErrs), Int64(clamping: s.rxDropped), Int64(clamping: s.txBytes),
                                        Int64(clamping: s.txPackets), Int64(clamping: s.txErrs), Int64(clamping: s.txDropped)])
                    }
                }
            case .filesystems:
                let filesystems = try await connection.call(GuestGetFsinfoCommand.self, timeout: timeout)
                let rows = try facts.filesystems(filesystems)
                let now = Date().millis
                let filesystemsChanged = changed(.filesystem, rows)
                await writer.enqueue { db in
                    if filesystemsChanged { try FactSpans.replace(db, .filesystem, vmID: vm, with: rows, at: now) }
                    for fs in filesystems {
                        try db.run(
                            "INSERT OR REPLACE INTO filesystem_usage (vm_id, mountpoint, sampled_at, used_bytes, total_bytes) VALUES (?, ?, ?, ?, ?)",
                            [vm, fs.mountpoint, now, fs.usedBytes.map { Int64(clamping: $0) }, fs.totalBytes.map { Int64(clamping: $0) }])
                    }
                }
            case .vcpus:
                await store(.vcpu, try facts.vcpus(try await connection.call(GuestGetVcpusCommand.self, timeout: timeout)))
            case .memory:
                let info = try await connection.call(GuestGetMemoryBlockInfoCommand.self, timeout: timeout)
                let blocks = enabledCommands.contains(GuestGetMemoryBlocksCommand.name)
                    ? try? await connection.call(GuestGetMemoryBlocksCommand.self, timeout: timeout) : nil
                await store(.memory, facts.memory(info, blocks: blocks))
            case .users:
                await store(.userSession, try facts.users(try await connection.call(GuestGetUsersCommand.self, timeout: timeout)))
            case .clock:
                let before = Date().millis
                let guest = try await connection.call(GuestGetTimeCommand.self, timeout: timeout)
                await store(.clockDrift, facts.clockDrift(guestNanoseconds: guest, hostBefore: before, hostAfter: Date().millis))
            }
        } catch let rejection as InventoryRejection {
            await reject(item.commands[0], rejection)
        } catch AgentConnectionError.agent(let error) where error.errorClass == .commandNotFound {
            if Self.isFrozenError(error) {
                await apply(.frozenDetected)
            } else {
                // Unknown or disabled: skip it until the next guest-info, and say so once.
                unsupported.formUnion(item.commands)
                let now = Date().millis, command = item.commands[0], reason = error.desc
                await writer.enqueue { db in
                    try db.run(
                        "INSERT OR IGNORE INTO unsupported_command (vm_id, command, since, reason) VALUES (?, ?, ?, ?)",
                        [vm, command, now, reason])
                }
            }
        } catch let error as AgentConnectionError {
            switch error {
            case .invalidResult(let command, let decoding):
                await reject(command, InventoryRejection(reason: "result does not fit the schema", detail: decoding.description))
            case .replyTooLarge(let detail):
                await reject(item.commands[0], InventoryRejection(reason: "reply too large", detail: detail))
            case .protocolViolation(let detail):
                await reject(item.commands[0], InventoryRejection(reason: "not QGA", detail: detail))
            default:
                break
            }
        } catch {}
    }

    /// Whether facts differ from what this session last stored (remembering them if so). The
    /// session is the only writer of its VM's current facts, so an unchanged refresh — nearly
    /// all of them — costs the store nothing.
    private func changed(_ table: SpanTable, _ rows: [Fact]) -> Bool {
        guard lastStored[table] != rows else { return false }
        lastStored[table] = rows
        return true
    }

    private func store(_ table: SpanTable, _ rows: [Fact]) async {
        guard changed(table, rows) else { return }
        let vm = vmID, now = Date().millis
        await writer.enqueue { db in try FactSpans.replace(db, table, vmID: vm, with: rows, at: now) }
    }

    private func reject(_ command: String, _ rejection: InventoryRejection) async {
        logger.warning("refused \(command) result: \(rejection.reason)")
        let vm = vmID, now = Date().millis
        let detail = String(rejection.detail.prefix(512))
        await writer.enqueue { db in
            try db.run(
                """
                    INSERT INTO rejection (vm_id, command, reason, count, first_at, last_at, last_detail)
                    VALUES (?, ?, ?, 1, ?, ?, ?)
                    ON CONFLICT (vm_id, command, reason) DO UPDATE SET
                        count = count + 1, last_at = excluded.last_at, last_detail = excluded.last_detail
                    """,
                [vm, command, rejection.reason, now, now, detail])
        }
    }

    // MARK: State

    /// Feeds the state machine; a transition is queued for the store in the order it happened.
    @discardableResult
    private func apply(_ event: SessionEvent) async -> SessionTransition? {
        guard let transition = machine.apply(event) else { return nil }
        // One line per change of state, never one per heartbeat or retry.
        logger.info("\(transition.from.rawValue) → \(transition.to.rawValue): \(transition.reason)")
        let vm = vmID
        let now = Date().millis
        await writer.enqueue { db in
            try VMRegistry.transition(db, vmID: vm, to: transition.to, reason: transition.reason, at: now)
        }
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

/// A counting semaphore for tasks: bounds fleet-wide concurrent inventory refreshes.
public actor AsyncSemaphore {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(_ count: Int) { available = count }

    public func wait() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func signal() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
