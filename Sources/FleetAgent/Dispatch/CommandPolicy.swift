import QGA

/// Which commands may run: the allow-list (`-a`/allow-rpcs), the block-list (`-b`/block-rpcs)
/// and the frozen state, combined as newer qemu-ga does: a command runs when the lists allow it
/// and, while frozen, only if it is one of the few a frozen agent keeps. Thawing never enables
/// a command the lists disable.
struct CommandPolicy {
    var allowed: Set<String>?
    var blocked: Set<String> = []
    var frozen = false

    func listsAllow(_ name: String) -> Bool {
        (allowed?.contains(name) ?? true) && !blocked.contains(name)
    }

    /// nil when the command may run; otherwise the error to reply.
    func refusal(for name: String, unavailable: Bool) -> QGAError? {
        if unavailable || !listsAllow(name) { return .commandDisabled(name) }
        if frozen, !(QGACommandTable.command(named: name)?.allowedWhileFrozen ?? false) {
            return .disabledWhileFrozen(name)
        }
        return nil
    }
}
