import Glibc

/// Which entries of a socket directory are agent sockets, and the VM each is: entries matching
/// `pattern` (a shell glob; a leading dot only matches a dot written in the pattern, so hidden
/// files never count), named by the file name without its extension — `vm7.sock` with the
/// default `*.sock` is VM `vm7`, Proxmox's `101.qga` with `*.qga` is VM `101`.
public struct SocketNaming: Sendable, Equatable {
    public static let defaultPattern = "*.sock"
    public let pattern: String

    public init(pattern: String = SocketNaming.defaultPattern) {
        self.pattern = pattern
    }

    /// The VM name for a directory entry, or nil when the entry is not an agent socket's name.
    public func vmName(forEntry entry: String) -> String? {
        guard !entry.isEmpty, fnmatch(pattern, entry, FNM_PERIOD) == 0 else { return nil }
        let name = entry.lastIndex(of: ".").map { entry[..<$0] } ?? entry[...]
        return name.isEmpty ? nil : String(name)
    }
}
