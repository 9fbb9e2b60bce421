import NIOCore

/// A guest whose bytes break the protocol (garbage, a reply past its cap, a message that never
/// ends) is not read again at once: reading pauses for a time that doubles with each fault
/// (250 ms up to 30 s) and starts over once the guest has gone a minute without one. A broken or
/// hostile guest then costs fleetd a burst of parsing now and then instead of a core, its writes
/// back up in its own socket buffer, and the VMs sharing its event loop keep their latency.
/// Heartbeats are still sent meanwhile, and missed: the VM goes unresponsive with the reason.
struct ReadPenalty {
    static let first = TimeAmount.milliseconds(250)
    static let longest = TimeAmount.seconds(30)
    static let forgiveAfter = TimeAmount.seconds(60)

    private(set) var strikes = 0
    private var lastFault: NIODeadline?

    /// Records a fault at `now`; returns how long to stop reading.
    mutating func fault(at now: NIODeadline) -> TimeAmount {
        if let lastFault, now - lastFault > Self.forgiveAfter { strikes = 0 }
        lastFault = now
        strikes += 1
        let doubled = Self.first.nanoseconds << Int64(min(strikes - 1, 16))
        return .nanoseconds(min(doubled, Self.longest.nanoseconds))
    }
}
