#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The agent's persistent state, in qemu-ga's files so the two agents can replace each other:
/// `qga.state` (a key file holding the next file handle, `[global] fd_counter=N`, starting at
/// 1000 so handles stay unique across restarts) and the `qga.state.isfrozen` marker, present
/// while filesystems are frozen so that an agent restarted mid-freeze starts frozen.
final class StateDirectory {
    let directory: String
    private(set) var nextHandle: Int64

    static let firstHandle: Int64 = 1000

    var stateFile: String { directory + "/qga.state" }
    var frozenMarker: String { directory + "/qga.state.isfrozen" }

    init(directory: String) throws(SystemError) {
        self.directory = directory
        nextHandle = Self.firstHandle
        if let text = try? FileIO.readText(stateFile, limit: 64 << 10),
            let value = KeyFile(parsing: text).value(group: "global", key: "fd_counter"), let counter = Int64(value)
        {
            nextHandle = counter
        } else {
            try persist()
        }
    }

    /// A new handle, persisted before it is handed out.
    func takeHandle() throws(SystemError) -> Int64 {
        let handle = nextHandle
        nextHandle = handle == Int64.max ? Self.firstHandle : handle + 1
        try persist()
        return handle
    }

    private func persist() throws(SystemError) {
        // Write then rename, so a crash never leaves a torn counter behind.
        let temporary = stateFile + ".tmp"
        try FileIO.write(temporary, Array("[global]\nfd_counter=\(nextHandle)\n".utf8), create: true, mode: 0o644)
        guard rename(temporary, stateFile) == 0 else { throw SystemError() }
    }

    var isMarkedFrozen: Bool { FileIO.exists(frozenMarker) }

    func markFrozen() throws(SystemError) {
        try FileIO.write(frozenMarker, [], create: true, mode: 0o600)
    }

    func clearFrozen() {
        unlink(frozenMarker)
    }
}
