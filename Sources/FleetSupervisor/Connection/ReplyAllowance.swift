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
