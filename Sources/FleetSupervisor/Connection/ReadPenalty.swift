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

/// How large a reply may grow depends on what was asked: heartbeats, syncs and inventory
/// commands get small answers from any sane agent, so only while a command that can return
/// megabytes (a file read, exec output, a raw command) is outstanding does the configured cap
/// apply. A guest streaming a giant or endless message is cut off after 1 MiB, not 32, and
/// parsing it never holds an event loop (and the VMs on it) for long.
enum ReplyAllowance {
    static let routineBytes = 1 << 20

    /// Commands whose replies stay well under `routineBytes` on a real guest.
    static let routineCommands: Set<String> = [
        "guest-ping", "guest-sync", "guest-sync-delimited", "guest-info", "guest-get-osinfo", "guest-get-host-name",
        "guest-get-timezone", "guest-network-get-interfaces", "guest-get-fsinfo", "guest-get-vcpus",
        "guest-get-memory-block-info", "guest-get-memory-blocks", "guest-get-users", "guest-get-time",
        "guest-fsfreeze-status", "guest-fsfreeze-freeze", "guest-fsfreeze-thaw", "guest-exec", "guest-file-open",
        "guest-file-close", "guest-file-write", "guest-shutdown", "guest-set-time",
    ]

    static func cap(outstanding commands: some Sequence<String>, configured: Int) -> Int {
        let large = commands.contains { !routineCommands.contains($0) }
        return large ? configured : min(configured, routineBytes)
    }
}
