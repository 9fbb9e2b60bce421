import Foundation
import QGA

/// A freeze refused or not movable: the VM is not frozen by fleetd, or fleetd never thaws it.
public struct FreezeDeadlineRefused: Error, Sendable, Equatable {
    public let reason: String
}

/// The freeze watchdog: a VM frozen longer than `freeze.maxSeconds` is flagged, and a freeze
/// fleetd issued is thawed when its deadline passes unless the operator extended it.
extension VMSession {
    /// The machine's frozen flag changed (by anyone): watch the freeze, or stop watching.
    func frozenChanged() {
        if machine.frozen {
            freezeWatch.frozen(at: .now)
        } else {
            freezeWatch.thawed()
        }
        scheduleFreezeCheck()
    }

    /// Before fleetd freezes the VM: a deadline can be honoured only where fleetd may thaw.
    public func checkFreezeDeadline(requested: Bool) throws(FreezeDeadlineRefused) {
        guard requested, !autoThaw else { return }
        throw Self.noAutoThaw
    }

    /// fleetd froze the VM: it thaws it `thawAfter` from now unless extended. Returns when (nil
    /// where fleetd never thaws on its own, or the VM is not frozen after all).
    public func freezeIssued(thawAfter: Duration) -> Date? {
        guard autoThaw, machine.frozen else { return nil }
        return setFreezeDeadline(thawAfter)
    }

    /// Moves the deadline of fleetd's own freeze to `from now`.
    public func extendFreeze(by fromNow: Duration) throws(FreezeDeadlineRefused) -> Date {
        guard autoThaw else { throw Self.noAutoThaw }
        guard machine.frozen, freezeWatch.deadline != nil else {
            throw FreezeDeadlineRefused(reason: machine.frozen
                ? "its freeze was not issued by fleetd (another client froze it): fleetd will not thaw it"
                : "it is not frozen (\(machine.state.rawValue))")
        }
        return setFreezeDeadline(fromNow)
    }

    static var noAutoThaw: FreezeDeadlineRefused {
        FreezeDeadlineRefused(reason: "fleetd never thaws a Proxmox VM on its own (its freezes are Proxmox's backups'): freeze it without a deadline")
    }

    private func setFreezeDeadline(_ fromNow: Duration) -> Date {
        freezeWatch.setDeadline(.now + fromNow)
        scheduleFreezeCheck()
        return Date().addingTimeInterval(fromNow.seconds)
    }

    private func scheduleFreezeCheck(after delay: Duration? = nil) {
        freezeTimer?.cancel()
        guard let next = delay.map({ ContinuousClock.now + $0 }) ?? freezeWatch.nextCheck else { return }
        freezeTimer = Task { [sleeper] in
            await sleeper.sleep(until: next)
            guard !Task.isCancelled else { return }
            await self.checkFreeze()
        }
    }

    private func checkFreeze() async {
        switch freezeWatch.due(at: .now) {
        case .nothing:
            scheduleFreezeCheck()
        case .flag(let frozenFor):
            FleetMetrics.freezesOverdue.increment()
            let limit = ReasonDuration.text(freezeWatch.maxFrozen)
            await apply(.frozenTooLong(
                "frozen for \(ReasonDuration.text(frozenFor)), longer than freeze.maxSeconds (\(limit)): the guest's writes wait until it is thawed"))
            scheduleFreezeCheck()
        case .thaw(let frozenFor):
            await thawAtDeadline(frozenFor: frozenFor)
        }
    }

    /// Thaws fleetd's own freeze; if the agent cannot be reached now, tries again a heartbeat later.
    private func thawAtDeadline(frozenFor: Duration) async {
        guard let link, !machine.halted else { return scheduleFreezeCheck(after: config.heartbeatInterval) }
        do {
            _ = try await link.call(GuestFsfreezeThawCommand.self, within: .long)
            FleetMetrics.freezesThawedAtDeadline.increment()
            await apply(.thawedAtDeadline("thawed by fleetd: its freeze's deadline passed (frozen \(ReasonDuration.text(frozenFor)))"))
        } catch {
            logger.warning("could not thaw at the freeze's deadline: \(Self.describe(error)); trying again")
            if machine.frozen { scheduleFreezeCheck(after: config.heartbeatInterval) }
        }
    }
}
