import FleetStore

/// The session's side of the exec ledger: one driver per unfinished exec.
extension VMSession {
    /// Drives every unfinished exec of this VM (new ones, and those a previous run left), when
    /// the ledger may hold one.
    func resumeExecs(_ link: any AgentLink) async {
        guard ledgerMayOweExecs else { return }
        // Cleared before the read, so an exec submitted while it runs sets it again for good.
        ledgerMayOweExecs = false
        guard let records = try? await store.unfinishedExecs(vmID: vmID) else {
            ledgerMayOweExecs = true
            return
        }
        // Drivers started here may stop short of the end (the link drops): until one finishes,
        // the ledger stays worth reading.
        if !records.isEmpty { ledgerMayOweExecs = true }
        for record in records { startDriving(record, link) }
    }

    /// A new exec was recorded for this VM: run it now if the VM is reachable (else at the
    /// next connection, from the ledger).
    public func execSubmitted(_ record: ExecRecord) {
        ledgerMayOweExecs = true
        guard let link, machine.state == .responsive else { return }
        startDriving(record, link)
    }

    private func startDriving(_ record: ExecRecord, _ link: any AgentLink) {
        guard drivingExecs.insert(record.id).inserted else { return }
        let driver = ExecDriver(store: store, link: link, completions: completions) { [weak self] in await self?.waitWhileHalted() }
        Task {
            await driver.drive(record)
            self.finishedDriving(record.id)
        }
    }

    /// A driver stopped; whether its exec finished or waits for the next link, the ledger says.
    private func finishedDriving(_ id: Int64) {
        drivingExecs.remove(id)
        ledgerMayOweExecs = true
    }
}
