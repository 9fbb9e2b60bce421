import FleetStore
import Foundation
import QGA

/// The actions an operator can ask of one VM, over its session's live link. The control API
/// only translates requests into these calls and their results (or `AgentConnectionError`s)
/// into responses.
public struct VMActions: Sendable {
    public let vm: String
    let link: any AgentLink
    let session: VMSession
    let config: SupervisorConfig

    /// Bytes per guest-file-read/-write: well under the agent's 48 MiB cap and fleetd's reply cap.
    static let fileChunk: Int64 = 1 << 20

    /// A guest-ping's round trip, in microseconds.
    public func ping() async throws -> Int64 {
        let started = ContinuousClock.now
        _ = try await link.call(GuestPingCommand.self)
        let rtt = ContinuousClock.now - started
        return rtt.micros
    }

    /// The agent's freeze state — which another client (a backup on the standard port) may have
    /// changed: the VM's state follows it.
    public func freezeStatus() async throws -> GuestFsfreezeStatus {
        let status = try await link.call(GuestFsfreezeStatusCommand.self)
        await session.freezeChanged(frozen: status == .frozen)
        return status
    }

    /// Freezes every filesystem, or those mounted at `mountpoints`; returns how many, and when
    /// fleetd thaws them unless extended: `thawAfter` from now (by default
    /// `freeze.thawAfterSeconds`). A Proxmox VM is never thawed by fleetd: it gets no deadline, and
    /// one asked for is refused before anything is frozen.
    public func freeze(mountpoints: [String]?, thawAfter: Duration? = nil) async throws -> (count: Int64, thawBy: Date?) {
        try await session.checkFreezeDeadline(requested: thawAfter != nil)
        let count: Int64
        if let mountpoints {
            count = try await link.call(GuestFsfreezeFreezeListCommand.self, .init(mountpoints: mountpoints), within: .long)
        } else {
            count = try await link.call(GuestFsfreezeFreezeCommand.self, within: .long)
        }
        await session.freezeChanged(frozen: true)
        return (count, await session.freezeIssued(thawAfter: thawAfter ?? config.freezeThawAfter))
    }

    /// Moves the deadline of the freeze fleetd issued to `fromNow`; returns it.
    public func extendFreeze(by fromNow: Duration) async throws -> Date {
        try await session.extendFreeze(by: fromNow)
    }

    public func thaw() async throws -> Int64 {
        let count = try await link.call(GuestFsfreezeThawCommand.self, within: .long)
        await session.freezeChanged(frozen: false)
        return count
    }

    public func fstrim(minimum: Int64?) async throws -> GuestFilesystemTrimResponse {
        try await link.call(GuestFstrimCommand.self, .init(minimum: minimum), within: .long)
    }

    /// Sets the guest's clock to `time` (ns since the epoch), to the host's clock when nil, or
    /// from the guest's hardware clock; returns the time sent.
    public func setTime(_ time: Int64?, fromHardwareClock: Bool) async throws -> Int64? {
        // The host's clock is read at the last moment, so the guest is set as close to it as can be.
        let sent = fromHardwareClock ? nil : time ?? Int64((Date().timeIntervalSince1970 * 1e9).rounded())
        _ = try await link.call(GuestSetTimeCommand.self, .init(time: sent))
        return sent
    }

    /// guest-shutdown has no reply on success: silence for a few seconds is success, an error
    /// reply (which comes at once) is still reported.
    public func shutdown(mode: String) async throws {
        let silence = min(config.commandTimeout, .seconds(3))
        _ = try await link.call(GuestShutdownCommand.self, .init(mode: mode), within: .exactly(silence))
    }

    /// Reads a guest file, at most `limit` bytes (and never more than `fileReadLimit`).
    public func readFile(_ path: String, limit: Int64) async throws -> (bytes: [UInt8], truncated: Bool) {
        let limit = min(limit, config.fileReadLimit)
        let handle = try await link.call(GuestFileOpenCommand.self, .init(path: path, mode: "r"))
        return try await closing(handle) {
            var bytes: [UInt8] = []
            while true {
                let remaining = limit - Int64(bytes.count)
                // One byte past the limit tells a file that is exactly `limit` long from a longer one.
                let chunk = try await link.call(GuestFileReadCommand.self, .init(handle: handle, count: min(Self.fileChunk, remaining + 1)))
                bytes += try QGABase64.decode(chunk.bufB64)
                if Int64(bytes.count) > limit {
                    bytes.removeLast(bytes.count - Int(limit))
                    return (bytes, true)
                }
                if chunk.eof || chunk.count == 0 { return (bytes, false) }
            }
        }
    }

    /// Writes (or appends) `content` to a guest file in chunks; returns the bytes written.
    public func writeFile(_ path: String, _ content: [UInt8], append: Bool) async throws -> Int64 {
        let handle = try await link.call(GuestFileOpenCommand.self, .init(path: path, mode: append ? "a" : "w"))
        return try await closing(handle) {
            var written: Int64 = 0
            var offset = 0
            while offset < content.count {
                let end = min(content.count, offset + Int(Self.fileChunk))
                let result = try await link.call(GuestFileWriteCommand.self, .init(handle: handle, bufB64: QGABase64.encode(content[offset..<end])))
                written += result.count
                offset = end
            }
            return written
        }
    }

    /// Runs `body`, then closes the guest file handle whatever happened.
    private func closing<T: Sendable>(_ handle: Int64, _ body: () async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await body()
        } catch {
            _ = try? await link.call(GuestFileCloseCommand.self, .init(handle: handle))
            throw error
        }
        _ = try await link.call(GuestFileCloseCommand.self, .init(handle: handle))
        return result
    }

    public func setPassword(user: String, password: String, crypted: Bool) async throws {
        _ = try await link.call(
            GuestSetUserPasswordCommand.self, .init(username: user, password: QGABase64.encode(Array(password.utf8)), crypted: crypted))
    }

    public func sshKeys(user: String) async throws -> [String] {
        try await link.call(GuestSSHGetAuthorizedKeysCommand.self, .init(username: user)).keys
    }

    /// Adds and removes authorized keys (or resets them to `add`). Nothing to change is a change already made.
    public func changeSSHKeys(user: String, add: [String], remove: [String], reset: Bool?) async throws {
        if !add.isEmpty || reset == true {
            _ = try await link.call(GuestSSHAddAuthorizedKeysCommand.self, .init(username: user, keys: add, reset: reset))
        }
        if !remove.isEmpty {
            _ = try await link.call(GuestSSHRemoveAuthorizedKeysCommand.self, .init(username: user, keys: remove))
        }
    }

    /// A raw command, as the operator wrote it. Commands known never to answer on success
    /// (guest-shutdown, guest-suspend-*) count silence for `timeout` as success (nil).
    public func raw(_ request: QGARequest, timeout: Duration) async throws -> QGAReply? {
        let successResponse = QGACommandTable.command(named: request.execute)?.successResponse ?? true
        return try await link.send(request, successResponse: successResponse, within: .exactly(timeout))
    }
}
