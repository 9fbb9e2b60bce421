import Foundation
import QGA

/// A minimal blocking QGA client over a unix socket, for tests: send bytes, read reply lines.
public final class QGAClient {
    public let fd: Int32
    private var buffer: [UInt8] = []

    public init(path: String) throws {
        fd = try UnixSocket.connect(to: path)
    }

    deinit { close(fd) }

    public func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }

    public func send(_ text: String) { send(Array(text.utf8)) }

    /// The next reply line (without the newline, with a leading 0xFF kept), or nil on timeout.
    public func readLine(timeout: Double = 5) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(timeout)
        var scanned = 0  // bytes already known to hold no newline: a 20 MB reply is scanned once
        while true {
            if let newline = buffer[scanned...].firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            scanned = buffer.count
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(remaining * 1000) + 1) > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return nil }
            buffer += chunk[..<n]
        }
    }

    /// The next reply parsed as JSON (a leading 0xFF is stripped).
    public func readReply(timeout: Double = 5) -> JSONValue? {
        guard var line = readLine(timeout: timeout) else { return nil }
        if line.first == 0xFF { line.removeFirst() }
        var decoder = QGAStreamDecoder(role: .host)
        let events = decoder.feed(line + [0x0A])
        guard events.count == 1, case .message(let value) = events[0] else { return nil }
        return value
    }

    /// Sends one request and returns its reply.
    public func call(_ request: String, timeout: Double = 10) -> JSONValue? {
        send(request)
        return readReply(timeout: timeout)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
