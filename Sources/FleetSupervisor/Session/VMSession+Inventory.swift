import FleetStore
import Foundation
import QGA

/// What the agent can do, and the inventory collected from it on schedule.
extension VMSession {
    func learnCommands(_ link: any AgentLink) async {
        let info: GuestAgentInfo
        do {
            info = try await link.call(GuestInfoCommand.self)
        } catch {
            // Without guest-info, only the baseline commands are assumed.
            enabledCommands = Set(QGACommandTable.all.filter { $0.origin == .baseline }.map { $0.name })
            return
        }
        // Only commands fleetd knows are ever asked about: keep the table's own names, not the
        // decoded copies (a few KiB per VM at 10,000 VMs).
        enabledCommands = Set(info.supportedCommands.lazy.filter(\.enabled).compactMap { QGACommandTable.command(named: $0.name)?.name })
        unsupported = []
        let facts: [AgentInfoFact]
        do {
            facts = try collector.facts.agentInfo(info)
        } catch {
            await reject("guest-info", error as? InventoryRejection ?? InventoryRejection(reason: "invalid", detail: "\(error)"))
            return
        }
        let now = Date().millis
        await writer.enqueue([.facts(vmID: vmID, facts, at: now), .clearUnsupportedCommands(vmID: vmID)])
    }

    func refreshFrozenState(_ link: any AgentLink) async {
        guard enabledCommands.contains(GuestFsfreezeStatusCommand.name) else { return }
        if let status = try? await link.call(GuestFsfreezeStatusCommand.self) {
            await apply(status == .frozen ? .frozenDetected : .thawDetected)
        }
    }

    /// While the VM is frozen, asks the agent every heartbeat whether it still is: another client
    /// (Proxmox's backup on the shared socket, the stack on the standard port while fleetd uses
    /// fleet-agent's own) may thaw it, and a thaw is otherwise only seen at the next resync.
    /// Only frozen VMs pay for it; one follower per link.
    func followFreeze(_ link: any AgentLink) {
        guard !followingFreeze else { return }
        followingFreeze = true
        Task {  // isolated to this session, as the method that starts it
            while keepFollowingFreeze(link) {
                await sleeper.sleep(for: config.heartbeatInterval)
                guard keepFollowingFreeze(link) else { return }
                await refreshFrozenState(link)
            }
        }
    }

    /// Whether the follower goes on; when not, it is gone in the same step, so a freeze seen
    /// right after starts a new one.
    private func keepFollowingFreeze(_ link: any AgentLink) -> Bool {
        followingFreeze = !removed && machine.state == .frozen && self.link === link && link.isOpen
        return followingFreeze
    }

    /// Refreshes the inventory a round at a time (`InventorySchedule`), sleeping until the next
    /// round is due.
    func inventoryLoop(_ link: any AgentLink) async {
        while !Task.isCancelled && !removed {
            if machine.state == .responsive {
                let due = schedule.takeDue(at: .now) { item in
                    item.commands.allSatisfy { enabledCommands.contains($0) && !unsupported.contains($0) }
                }
                if !due.isEmpty { await inShortTask { await self.refreshGated(due, link) } }
            }
            await sleeper.sleep(until: schedule.nextWake(after: .now, idle: config.heartbeatInterval))
        }
    }

    /// One round, through the fleet-wide gate (a whole fleet can come due at once), its items
    /// fetched in one batch of requests and recorded in one batch for the store.
    func refreshGated(_ items: [InventoryItem], _ link: any AgentLink) async {
        await inventoryGate.wait()
        let results = !Task.isCancelled && machine.state == .responsive
            ? await collector.collect(items, via: link, enabled: enabledCommands) : []
        await inventoryGate.signal()
        var changes: [StoreChange] = []
        for result in results {
            await record(result, into: &changes)
            // A frozen guest refused the rest of the round too: one refusal says it.
            if case .frozen = result { break }
        }
        if !changes.isEmpty { await writer.enqueue(changes) }
    }

    private func record(_ result: InventoryResult, into changes: inout [StoreChange]) async {
        let now = Date().millis
        switch result {
        case .observed(let updates, let samples):
            changes += factCache.changes(updates, vmID: vmID, at: now) + samples.map { $0.change(vmID: vmID, at: now) }
        case .frozen:
            await apply(.frozenDetected)
        case .unsupported(let command, let reason):
            // Unknown or disabled: skip it until the next guest-info, and say so once.
            unsupported.insert(command)
            changes.append(.unsupportedCommand(vmID: vmID, command, reason: reason, at: now))
        case .rejected(let command, let rejection):
            changes.append(rejectionChange(command, rejection, at: now))
        case .failed:
            break
        }
    }

    func reject(_ command: String, _ rejection: InventoryRejection) async {
        await writer.enqueue(rejectionChange(command, rejection, at: Date().millis))
    }

    private func rejectionChange(_ command: String, _ rejection: InventoryRejection, at time: Millis) -> StoreChange {
        logger.warning("refused \(command) result: \(rejection.reason)")
        return .rejection(vmID: vmID, command, reason: rejection.reason, detail: rejection.detail, at: time)
    }
}
