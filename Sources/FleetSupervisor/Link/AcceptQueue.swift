import CLinuxSupport
import Glibc
import Logging
import Synchronization

/// Whether a connection waits in a listening unix socket's accept queue: the kernel's answer
/// through sock_diag (netlink). Where netlink is closed to fleetd (a sandbox that allows only
/// AF_UNIX, a private network namespace that does not see the VMs' sockets) fleetd cannot tell
/// a busy agent from a silent one; it says so once, loudly, rather than count busy agents as
/// misses without a word.
enum AcceptQueue {
    private static let warned = Atomic<Bool>(false)
    private static let logger = Logger(label: "fleetd.shared")

    /// True when something is queued on the socket at `path`.
    static func isQueued(_ path: String) -> Bool {
        let count = fleet_unix_accept_queue(path)
        if count < 0 && errno != ENOENT && !warned.exchange(true, ordering: .relaxed) {
            logger.warning(
                "cannot ask the kernel whether a connection is queued on \(path) (sock_diag: \(String(cString: strerror(errno)))); an agent busy with another client will count as silent. Allow AF_NETLINK and the host's network namespace (config/fleetd-proxmox.conf)")
        }
        return count > 0
    }
}
