import Foundation
import Synchronization

/// The VM configs of a Proxmox node (`/etc/pve/qemu-server/VMID.conf`), kept current by
/// polling: /etc/pve is Proxmox's cluster file system (FUSE), which inotify does not follow.
/// A poll lists the directory and stats each config; only a config whose size, modification
/// time or inode changed is read again, so a poll of a quiet node reads no file at all.
final class ProxmoxConfigs: Sendable {
    let directory: String
    private struct Stamp: Equatable {
        var inode: UInt
        var size: Int
        var modified: timespec

        static func == (a: Stamp, b: Stamp) -> Bool {
            a.inode == b.inode && a.size == b.size && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }
    }
    private struct Known {
        var stamp: Stamp
        var config: ProxmoxVMConfig
    }
    private let known = Mutex<[Int64: Known]>([:])

    init(directory: String) {
        self.directory = directory
    }

    /// Every config, by vmid, as of the last `refresh`.
    var current: [Int64: ProxmoxVMConfig] {
        known.withLock { $0.mapValues(\.config) }
    }

    /// The config file's path for a vmid.
    func path(of vmid: Int64) -> String { "\(directory)/\(vmid).conf" }

    /// Brings the configs up to date; returns whether any appeared, changed or went away.
    @discardableResult
    func refresh() -> Bool {
        var present: [Int64: Stamp] = [:]
        DirectoryEntries.forEach(in: directory) { name, _ in
            guard name.hasSuffix(".conf"), let vmid = Int64(name.dropLast(5)), vmid > 0 else { return }
            var info = stat()
            guard stat(path(of: vmid), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return }
            present[vmid] = Stamp(inode: UInt(info.st_ino), size: Int(info.st_size), modified: info.st_mtim)
        }
        return known.withLock { known in
            var changed = known.keys.contains { present[$0] == nil }
            known = known.filter { present[$0.key] != nil }
            for (vmid, stamp) in present where known[vmid]?.stamp != stamp {
                // Unreadable now (replaced mid-read, permissions): try again at the next poll.
                guard let text = try? String(contentsOfFile: path(of: vmid), encoding: .utf8) else { continue }
                let config = ProxmoxVMConfig(parsing: text)
                changed = changed || known[vmid]?.config != config
                known[vmid] = Known(stamp: stamp, config: config)
            }
            return changed
        }
    }
}
