import Foundation
import QGA

/// A fake agent on a unix socket for behaviours no real agent shows (or that must never be sent
/// to one on this machine): it parses requests with the agent-side decoder and answers each with
/// whatever `respond` returns — valid replies, wrong ids, garbage, giant or endless messages.
public final class ScriptedAgent: @unchecked Sendable {
    public let path: String
    private let listener: Int32
    private let respond: @Sendable (JSONValue, Int32) -> Void
    private let thread: Thread

    /// `respond(request, clientFD)` writes whatever it likes to the client.
    public init(socketPath: String? = nil, respond: @escaping @Sendable (JSONValue, Int32) -> Void) throws {
        let socketPath = socketPath ?? FileManager.default.temporaryDirectory.appendingPathComponent("scripted-\(UUID().uuidString.prefix(8)).sock").path
        let fd = try UnixSocket.listen(at: socketPath)
        path = socketPath
        listener = fd
        self.respond = respond
        thread = Thread { [respond] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else {
                    // Closed here, never in deinit: a descriptor number closed while this thread
                    // may still call accept on it can be reused by the next test's listener,
                    // and this agent would then answer that test's connections.
                    close(fd)
                    return
                }
                var decoder = QGAStreamDecoder(role: .agent)
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    for event in decoder.feed(buffer[..<n]) {
                        if case .message(let request) = event { respond(request, client) }
                    }
                }
                close(client)
            }
        }
        thread.start()
    }

    /// Shutting the listener down wakes the thread's accept, and the thread closes it.
    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        unlink(path)
    }

    /// False once the peer has hung up.
    @discardableResult
    public static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: fleetd may hang up first; that must not raise SIGPIPE in the tests.
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    public static func reply(_ fd: Int32, _ value: JSONValue) {
        write(fd, JSONWriter(style: .qemu).line(value))
    }

    /// Answers guest-sync-delimited properly (0xFF + echo), so that a connection can sync.
    public static func answerSync(_ request: JSONValue, _ fd: Int32) -> Bool {
        guard request["execute"] == "guest-sync-delimited", let id = request["arguments"]?["id"] else { return false }
        write(fd, [0xFF] + JSONWriter(style: .qemu).line(["return": id]))
        return true
    }
}
