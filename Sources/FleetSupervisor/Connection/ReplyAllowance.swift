import QGA

/// How large a reply may grow depends on what was asked: heartbeats, syncs and inventory
/// commands get small answers from any sane agent (`QGACommand.smallReply`), so only while a
/// command that can return megabytes (a file read, exec output, a raw command) is outstanding
/// does the configured cap apply. A guest streaming a giant or endless message is cut off after
/// 1 MiB, not 32, and parsing it never holds an event loop (and the VMs on it) for long.
enum ReplyAllowance {
    static let routineBytes = 1 << 20

    /// Whether a command, by wire name, is known to answer small; a raw command nobody knows is not.
    static func isSmall(_ command: String) -> Bool {
        QGACommandTable.command(named: command)?.smallReply ?? false
    }

    static func cap(largeOutstanding: Bool, configured: Int) -> Int {
        largeOutstanding ? configured : min(configured, routineBytes)
    }
}
