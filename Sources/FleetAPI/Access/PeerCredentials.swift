import Foundation
import NIOCore

/// Who is on the other end of a unix-socket connection, from SO_PEERCRED (as of `connect()`),
/// plus the supplementary groups of that process.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    public var groups: Set<UInt32>

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: Set<UInt32> = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// glibc's `struct ucred` is not visible from Swift; this has its layout (pid_t, uid_t, gid_t).
    struct UCred {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
    }

    /// Reads the peer of a connected unix-socket channel. Nil when the channel cannot say
    /// (not a socket), which the access policy treats as nobody.
    public static func of(_ channel: any Channel) async -> PeerCredentials? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        guard
            let cred: UCred = try? await provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
            ).get()
        else { return nil }
        var groups: Set<UInt32> = [cred.gid]
        groups.formUnion(supplementaryGroups(pid: cred.pid))
        return PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid, groups: groups)
    }

    /// The process's groups as the kernel has them (`Groups:` in /proc/PID/status): this sees
    /// what `setpriv --clear-groups` or `newgrp` did, which the group database would not.
    static func supplementaryGroups(pid: Int32) -> Set<UInt32> {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return [] }
        for line in status.split(separator: "\n") where line.hasPrefix("Groups:") {
            return Set(line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) })
        }
        return []
    }
}
