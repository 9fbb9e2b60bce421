import Foundation
import QGA

/// A client that talks to an agent socket the way Proxmox's qemu-server does (PVE/QMPClient.pm,
/// PVE/QemuServer/Agent.pm), written from those facts: a new connection per command; a
/// non-blocking connect retried every 100 ms while the socket's queue is full, until the
/// command's timeout; `guest-sync-delimited` with a fresh id and then the command, written
/// together and without a leading 0xFF; everything up to the agent's 0xFF skipped, then the
/// sync's reply, then the command's; close at once.
public struct ProxmoxLikeClient: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public enum Outcome: Sendable, Equatable {
        case answered(JSONValue)
        case timedOut(String)
    }

    /// One command (`arguments` as JSON text), answered within `timeout` seconds or not at all.
    public func call(_ execute: String, arguments: String? = nil, timeout: Double) -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        guard let fd = connect(until: deadline) else { return .timedOut("connect") }
        defer { close(fd) }
        let syncID = Int64.random(in: 1...Int64(Int32.max))
        let commandID = Int64.random(in: 1...Int64(Int32.max))
        let request = #"{"execute":"guest-sync-delimited","arguments":{"id":\#(syncID)}}"# + "\n"
            + #"{"execute":"\#(execute)","# + (arguments.map { #""arguments":\#($0),"# } ?? "") + #""id":\#(commandID)}"# + "\n"
        guard write(fd, Array(request.utf8)) else { return .timedOut("write") }
        var reader = Reader(fd: fd)
        guard reader.skipToDelimiter(until: deadline) else { return .timedOut("0xFF") }
        // The sync's reply, then the command's (a stale reply of someone else's is skipped).
        var synced = false
        while let message = reader.nextMessage(until: deadline) {
            if !synced {
                synced = message["return"]?.int64Value == syncID
            } else if message["id"]?.int64Value == commandID || message["id"] == nil {
                return .answered(message)
            }
        }
        return .timedOut(synced ? "reply" : "sync")
    }

    private func connect(until deadline: Date) -> Int32? {
        while Date() < deadline {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return nil }
            var address = UnixSocket.address(path)
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if rc == 0 { return fd }
            let error = errno
            close(fd)
            guard error == EAGAIN || error == ECONNREFUSED || error == ENOENT else { return nil }
            usleep(100_000)
        }
        return nil
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
    }

    /// Reads lines off a non-blocking socket with poll, until a deadline.
    struct Reader {
        let fd: Int32
        var buffer: [UInt8] = []

        mutating func fill(until deadline: Date) -> Bool {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return false }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(remaining * 1000) + 1) > 0 else { return false }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return false }
            buffer += chunk[..<n]
            return true
        }

        mutating func skipToDelimiter(until deadline: Date) -> Bool {
            while true {
                if let at = buffer.firstIndex(of: 0xFF) {
                    buffer.removeSubrange(...at)
                    return true
                }
                buffer.removeAll()
                guard fill(until: deadline) else { return false }
            }
        }

        mutating func nextMessage(until deadline: Date) -> JSONValue? {
            while true {
                if let newline = buffer.firstIndex(of: 0x0A) {
                    let line = Array(buffer[..<newline])
                    buffer.removeSubrange(...newline)
                    if let value = JSONValue.parseDocument(line) { return value }
                    continue
                }
                guard fill(until: deadline) else { return nil }
            }
        }
    }
}
