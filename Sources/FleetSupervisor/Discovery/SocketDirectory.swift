import CLinuxSupport
import Foundation

/// The directory QEMU puts one agent socket per VM in: `NAME.sock` is VM `NAME` (or as
/// `SocketNaming` says).
public enum SocketDirectory {
    /// Every agent socket in the directory now: VM name → socket path. Entries with the right
    /// name that are not sockets are skipped (a stray regular file is not a VM); a symbolic link
    /// to a socket counts, as management tools often link sockets into place. The entry's own
    /// type decides where the file system gives one: fleetd rescans every 30 s, and a `stat` per
    /// socket (with Foundation's listing) was most of a rescan's cost at 10,000 VMs.
    public static func scan(_ directory: String, naming: SocketNaming = SocketNaming()) -> [String: String] {
        scan(directory, naming: naming, monitors: nil).sockets
    }

    /// The agent sockets and, in the same pass, the QMP monitor sockets `monitors` names (VM
    /// name → path): a VM's monitor is used only when it is there.
    public static func scan(_ directory: String, naming: SocketNaming, monitors: MonitorNaming?) -> (sockets: [String: String], monitors: [String: String]) {
        var sockets: [String: String] = [:]
        var monitorSockets: [String: String] = [:]
        DirectoryEntries.forEach(in: directory) { entryName, type in
            if let name = naming.vmName(forEntry: entryName) {
                let path = directory + "/" + entryName
                if isSocket(path, type: type) { sockets[name] = path }
            } else if let name = monitors?.vmName(forEntry: entryName) {
                let path = directory + "/" + entryName
                if isSocket(path, type: type) { monitorSockets[name] = path }
            }
        }
        return (sockets, monitorSockets.filter { sockets[$0.key] != nil })
    }

    private static func isSocket(_ path: String, type: Int32) -> Bool {
        if type == Int32(DT_SOCK) { return true }
        guard type == Int32(DT_LNK) || type == Int32(DT_UNKNOWN) else { return false }
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
    }
}

/// Watches the socket directory with inotify and reports sockets appearing and disappearing.
/// A dedicated thread blocks on the inotify descriptor (no polling); `stop()` removes the watch,
/// which wakes it. Events are hints: fleetd also rescans periodically, since inotify can
/// overflow or miss a directory that is replaced.
public final class SocketDirectoryWatcher: Sendable {
    public enum Change: Sendable, Equatable {
        case appeared(name: String, path: String)
        case disappeared(name: String)
        /// The watch ended or overflowed: rescan to know where things stand.
        case rescanNeeded
    }

    public let directory: String
    public let changes: AsyncStream<Change>
    private let fd: Int32
    private let watch: Int32

    /// `monitors`: QMP sockets' appearing counts as a change too (a VM's monitor may be made
    /// just after its agent socket).
    public init(directory: String, naming: SocketNaming = SocketNaming(), monitors: MonitorNaming? = nil) throws {
        var watch: Int32 = -1
        let fd = directory.withCString { fleet_inotify_watch_directory($0, &watch) }
        guard fd >= 0 else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: directory, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
        }
        self.directory = directory
        self.fd = fd
        self.watch = watch
        let (stream, continuation) = AsyncStream.makeStream(of: Change.self, bufferingPolicy: .bufferingNewest(65536))
        changes = stream
        let thread = Thread {
            Self.readEvents(fd: fd, directory: directory, naming: naming, monitors: monitors, continuation: continuation)
            close(fd)
            continuation.finish()
        }
        thread.name = "fleetd-inotify"
        thread.start()
    }

    public func stop() {
        _ = fleet_inotify_unwatch(fd, watch)
    }

    private static func readEvents(
        fd: Int32, directory: String, naming: SocketNaming, monitors: MonitorNaming?, continuation: AsyncStream<Change>.Continuation
    ) {
        let created = fleet_in_created(), deleted = fleet_in_deleted(), gone = fleet_in_gone(), ended = fleet_in_ignored()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            var offset = 0
            // struct inotify_event { int wd; uint32_t mask; uint32_t cookie; uint32_t len; char name[]; }
            while offset + 16 <= n {
                func word(_ at: Int) -> UInt32 {
                    UInt32(buffer[offset + at]) | UInt32(buffer[offset + at + 1]) << 8
                        | UInt32(buffer[offset + at + 2]) << 16 | UInt32(buffer[offset + at + 3]) << 24
                }
                let mask = word(4)
                let length = Int(word(12))
                let nameBytes = buffer[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }
                let entry = String(decoding: nameBytes, as: UTF8.self)
                offset += 16 + length
                if mask & gone != 0 {
                    continuation.yield(.rescanNeeded)
                    if mask & ended != 0 { return }  // stop(), or the directory itself went away
                    continue
                }
                guard let name = naming.vmName(forEntry: entry) ?? monitors?.vmName(forEntry: entry) else { continue }
                if mask & created != 0 {
                    continuation.yield(.appeared(name: name, path: directory + "/" + entry))
                } else if mask & deleted != 0 {
                    continuation.yield(.disappeared(name: name))
                }
            }
        }
    }
}
