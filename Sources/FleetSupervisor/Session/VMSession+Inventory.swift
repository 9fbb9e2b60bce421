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
        enabledCommands = Set(info.supportedCommands.filter(\.enabled).map(\.name))
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

    /// Refreshes each inventory item when it is due, sleeping until the next one is.
    func inventoryLoop(_ link: any AgentLink) async {
        while !Task.isCancelled && !removed {
            if machine.state == .responsive {
                let due = schedule.takeDue(at: .now) { item in
                    item.commands.allSatisfy { enabledCommands.contains($0) && !unsupported.contains($0) }
                }
                for item in due {
                    guard !Task.isCancelled, machine.state == .responsive else { break }
                    await refreshGated(item, link)
                }
            }
            try? await Task.sleep(until: schedule.nextWake(after: .now, idle: config.heartbeatInterval), clock: .continuous)
        }
    }

    /// One refresh, through the fleet-wide gate: a whole fleet can come due at once.
    func refreshGated(_ item: InventoryItem, _ link: any AgentLink) async {
        await inventoryGate.wait()
        let result = await collector.collect(item, via: link, enabled: enabledCommands)
        await inventoryGate.signal()
        await record(result)
    }

    private func record(_ result: InventoryResult) async {
        let now = Date().millis
        switch result {
        case .observed(let updates, let samples):
            let changes = factCache.changes(updates, vmID: vmID, at: now) + samples.map { $0.change(vmID: vmID, at: now) }
            if !changes.isEmpty { await writer.enqueue(changes) }
        case .frozen:
            await apply(.frozenDetected)
        case .unsupported(let command, let reason):
            // Unknown or disabled: skip it until the next guest-info, and say so once.
            unsupported.insert(command)
            await writer.enqueue(.unsupportedCommand(vmID: vmID, command, reason: reason, at: now))
        case .rejected(let command, let rejection):
            await reject(command, rejection)
        case .failed:
            break
        }
    }

    func reject(_ command: String, _ rejection: InventoryRejection) async {
        logger.warning("refused \(command) result: \(rejection.reason)")
        await writer.enqueue(.rejection(vmID: vmID, command, reason: rejection.reason, detail: rejection.detail, at: Date().millis))
    }
}
