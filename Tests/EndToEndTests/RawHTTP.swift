import FleetTestSupport
import Foundation

/// HTTP/1.1 spoken by hand over the control socket, for requests no well-behaved client sends:
/// bad chunk sizes, bodies shorter than their Content-Length, huge uploads, odd methods.
struct RawHTTP {
    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: String
        /// Whether fleetd closed the connection after answering.
        let closed: Bool
    }

    let socketPath: String

    /// Sends `head` (the request line and headers, without the blank line) and `body`, then
    /// half-closes when asked, and reads the answer.
    func send(_ head: String, body: [UInt8] = [], halfClose: Bool = false) throws -> Answer {
        let fd = try UnixSocket.connect(to: socketPath)
        defer { close(fd) }
        try Self.writeAll(fd, Array((head + "\r\n\r\n").utf8) + body)
        if halfClose { shutdown(fd, Int32(SHUT_WR)) }
        return try Self.readAnswer(fd)
    }

    /// Sends a request whose body is `total` bytes produced on another thread while the answer
    /// is read; returns the answer and how many body bytes were written before fleetd stopped
    /// taking them. `chunked` sends the body with chunked transfer coding instead of a length.
    func upload(_ requestLine: String, total: Int, chunked: Bool = false) throws -> (Answer, sent: Int) {
        let fd = try UnixSocket.connect(to: socketPath)
        defer { close(fd) }
        let framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(total)"
        try Self.writeAll(fd, Array("\(requestLine)\r\nHost: fleetd\r\nContent-Type: application/json\r\n\(framing)\r\n\r\n".utf8))
        let writer = UploadWriter(fd: fd, total: total, chunked: chunked)
        let thread = Thread { writer.run() }
        thread.start()
        let answer = try Self.readAnswer(fd)
        shutdown(fd, Int32(SHUT_RDWR))
        writer.finished.wait()
        return (answer, writer.sent)
    }

    /// MSG_NOSIGNAL: a socket fleetd closed must fail the write, not kill the test with SIGPIPE.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw TestFailure("write to the control socket: errno \(errno)") }
            offset += written
        }
    }

    /// Reads one response: the head, then Content-Length bytes of body (or to EOF).
    static func readAnswer(_ fd: Int32) throws -> Answer {
        // A test must fail, not hang, when fleetd does not answer.
        var limit = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var closed = false
        func headEnd() -> Int? {
            guard received.count >= 4 else { return nil }
            for index in 0...(received.count - 4) where received[index..<(index + 4)].elementsEqual([13, 10, 13, 10]) { return index }
            return nil
        }
        var end: Int?
        while end == nil {
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { throw TestFailure("the connection ended before an answer: \(String(decoding: received, as: UTF8.self))") }
            received += buffer[0..<count]
            end = headEnd()
        }
        let headText = String(decoding: received[0..<end!], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestFailure("not an HTTP answer: \(headText)") }
        var headers: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        var body = Array(received[(end! + 4)...])
        let length = headers["content-length"].flatMap { Int($0) }
        while length.map({ body.count < $0 }) ?? true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { closed = true; break }
            body += buffer[0..<count]
        }
        if !closed {
            // Did fleetd close after answering? Poll briefly for EOF.
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            // A unix socket closed with unread data in it reads as ECONNRESET, not EOF.
            if poll(&poller, 1, 500) > 0 {
                let count = read(fd, &buffer, buffer.count)
                closed = count == 0 || (count < 0 && errno == ECONNRESET)
            }
        }
        return Answer(status: status, headers: headers, body: String(decoding: body, as: UTF8.self), closed: closed)
    }
}

/// Writes an upload's body until it is all sent or the socket refuses more.
final class UploadWriter: @unchecked Sendable {
    let fd: Int32
    let total: Int
    let chunked: Bool
    let finished = DispatchSemaphore(value: 0)
    private(set) var sent = 0

    init(fd: Int32, total: Int, chunked: Bool) {
        self.fd = fd
        self.total = total
        self.chunked = chunked
    }

    func run() {
        defer { finished.signal() }
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        while sent < total {
            let count = min(piece.count, total - sent)
            var bytes = Array(piece[0..<count])
            if chunked { bytes = Array("\(String(count, radix: 16))\r\n".utf8) + bytes + [13, 10] }
            guard (try? RawHTTP.writeAll(fd, bytes)) != nil else { return }
            sent += count
        }
        if chunked { _ = try? RawHTTP.writeAll(fd, Array("0\r\n\r\n".utf8)) }
    }
}
