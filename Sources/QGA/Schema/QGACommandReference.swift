extension QGACommandTable {
    /// The command reference in docs/qga-commands.md, generated from the table so the docs
    /// cannot drift from what the agent serves and the host calls (a test compares them).
    public static func markdownReference() -> String {
        var text = """
            # QGA commands

            Generated from `QGACommandTable` (Sources/QGA/Schema); regenerate with
            `FLEET_UPDATE_DOCS=1 swift test --filter CommandReference`.

            - **origin**: `baseline` is the QEMU 2.5 schema every agent has; `qemu-7.2` was added up to
              Debian bookworm's qemu-ga; `later` is served by fleet-agent but not by qemu-ga 7.2.
            - **reply on success**: `no` means the agent answers only when the command fails.
            - **while frozen**: what a frozen agent still runs.

            | command | arguments | result | origin | reply on success | while frozen |
            |---|---|---|---|---|---|

            """
        for info in infos {
            let arguments = info.argumentsType == "QGAEmpty" ? "—" : "`\(info.argumentsType)`"
            text += "| `\(info.name)` | \(arguments) | `\(info.resultType)` | \(info.origin.rawValue) | "
            text += "\(info.successResponse ? "yes" : "no") | \(info.allowedWhileFrozen ? "yes" : "no") |\n"
        }
        return text
    }
}
