import QGA

/// The heartbeat for links that cannot ping on their own event loop (each exchange its own
/// connection, or a library call): ping through the link, report, wait `interval`, again —
/// the same outcomes and the same ending as a persistent link's heartbeat.
enum PolledHeartbeat {
    static func run(_ schedule: HeartbeatSchedule, through link: any AgentLink, sleeper: LoopSleeper) async {
        let timeout = AgentTimeout.exactly(.nanoseconds(schedule.timeout.nanoseconds))
        let request = GuestPingCommand.request(QGAEmpty())
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let outcome: HeartbeatOutcome
            do {
                let reply = try await link.send(request, successResponse: true, within: timeout)
                if case .failure(let error)? = reply?.outcome {
                    outcome = .failed(.agent(error))
                } else {
                    let rtt = ContinuousClock.now - started
                    outcome = .answered(rttMicros: rtt.micros)
                }
            } catch {
                outcome = .failed(error as? AgentConnectionError ?? .disconnected)
            }
            guard !Task.isCancelled else { return }
            schedule.report(outcome)
            if outcome.endsHeartbeat { return }
            // After a busy exchange, a jittered wait: VMs and the other client that collided
            // once do not collide again in step.
            let busy = outcome == .failed(.busy)
            await sleeper.sleep(for: .nanoseconds(schedule.interval.nanoseconds) * (busy ? Double.random(in: 0.5...1.5) : 1))
        }
    }
}
