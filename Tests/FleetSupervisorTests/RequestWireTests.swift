import NIOCore
import NIOPosix
import QGA
import Testing
@testable import FleetSupervisor

/// The request envelope written straight into a buffer is the wire form `QGARequest.bytes()`
/// writes, byte for byte, and reads back as the request it came from.
@Suite("Request wire form")
struct RequestWireTests {
    static let requests: [QGARequest] = [
        QGARequest(execute: "guest-ping"),
        QGARequest(execute: "guest-file-read", arguments: ["handle": 1_000_000_000_001, "count": 65536]),
        QGARequest(execute: "guest-exec", arguments: ["path": "/bin/echo", "arg": ["é \"quoted\"\n", "\u{1F600}"], "capture-output": true]),
        // A raw command's name is the operator's text: quotes and control bytes are escaped.
        QGARequest(execute: "bad\"name\u{01}"),
        QGARequest(execute: "guest-set-time", arguments: [:]),
    ]

    @Test("the same bytes as the JSON writer, for every id", arguments: [Int64(1), 42, Int64.max])
    func sameBytes(id: Int64) {
        for request in Self.requests {
            var buffer = ByteBufferAllocator().buffer(capacity: 16)
            RequestWire.write(request, id: id, into: &buffer)
            var tagged = request
            tagged.id = .int(id)
            #expect(Array(buffer.readableBytesView) == tagged.bytes(), "\(request.execute)")
            var decoder = QGAStreamDecoder(role: .agent)
            #expect(decoder.feed(Array(buffer.readableBytesView)) == [.message(tagged.json)])
        }
    }
}

/// Sleeps on the loops' timer wheel.
@Suite("Loop sleeper")
struct LoopSleeperTests {
    @Test("a sleep lasts at least its duration and at most a wheel resolution or so longer")
    func duration() async {
        let sleeper = LoopSleeper(group: MultiThreadedEventLoopGroup.singleton)
        let started = ContinuousClock.now
        await sleeper.sleep(for: .milliseconds(120))
        let took = ContinuousClock.now - started
        #expect(took >= .milliseconds(120))
        #expect(took < .milliseconds(1120), "took \(took)")
    }

    @Test("cancelling a sleeping task wakes it at once")
    func cancellation() async {
        let sleeper = LoopSleeper(group: MultiThreadedEventLoopGroup.singleton)
        let started = ContinuousClock.now
        let task = Task { await sleeper.sleep(for: .seconds(600)) }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await task.value
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
