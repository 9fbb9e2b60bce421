import Foundation

/// What time alone changes in a VM's state, told to its machine when it is due: the end of a
/// boot grace, and a flapping VM having been stable long enough.
extension VMSession {
    /// A VM that started less than the boot grace ago is booting: its agent is not up yet, and
    /// missed heartbeats say `booting` until the grace has passed or the agent answers.
    func noteBoot() async {
        guard let started = endpoint.startedAt() else { return }
        await startBootGrace(age: .milliseconds(Date().millis - started.millis))
    }

    /// The VM started `age` ago (just now, after a reset): booting until the grace has passed.
    func startBootGrace(age: Duration) async {
        guard age >= .zero, age < config.bootGrace else { return }
        await apply(.bootStarted)
        bootGraceTimer?.cancel()
        let grace = config.bootGrace
        bootGraceTimer = Task { [sleeper] in
            await sleeper.sleep(for: grace - age)
            guard !Task.isCancelled else { return }
            await self.apply(.bootGraceEnded(ReasonDuration.text(grace)))
        }
    }

    /// A flapping VM may be stable long enough at a time no event marks (its heartbeats report
    /// nothing while it answers): look then, and again while it goes on flapping.
    func followFlapping() {
        flapTimer?.cancel()
        flapTimer = Task { [sleeper] in
            while !Task.isCancelled, machine.flapping, let stableAt = machine.flaps.stableAt {
                await sleeper.sleep(until: stableAt)
                guard !Task.isCancelled else { return }
                await apply(.stabilityCheck)
            }
        }
    }
}
