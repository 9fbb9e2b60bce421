import Testing
@testable import QGA

@Suite("Stream decoder: limits")
struct StreamLimitTests {
    static func nested(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    @Test("nesting 1024 deep is accepted")
    func depthAtLimit() {
        let events = decodeAll(Self.nested(1024))
        #expect(errorTexts(events).isEmpty)
        #expect(messages(events).count == 1)
    }

    @Test("nesting 1025 deep is one error, and the next message parses")
    func depthBeyondLimit() {
        let events = decodeAll(Self.nested(1025) + ping)
        #expect(errorTexts(events) == ["JSON nesting depth limit exceeded"])
        #expect(messages(events) == [["execute": "guest-ping"]])
    }

    @Test("a message over the size limit is one error, memory stays bounded, the next parses")
    func sizeLimitSmall() {
        let limits = QGAStreamLimits(maxMessageBytes: 1000, maxTokens: 100, maxDepth: 8)
        var decoder = QGAStreamDecoder(role: .agent, limits: limits)
        var events = decoder.feed(Array(#"{"execute":"guest-ping","id":""#.utf8))
        var peak = 0
        for _ in 0..<50 {
            events += decoder.feed(Array(repeating: UInt8(ascii: "a"), count: 100))
            peak = max(peak, decoder.pendingBytes)
        }
        events += decoder.feed(Array(#""}"#.utf8) + Array(ping.utf8))
        #expect(errorTexts(events) == ["JSON token size limit exceeded"])
        #expect(messages(events) == [["execute": "guest-ping"]])
        #expect(peak <= 1000)
    }

    @Test("too many tokens is one error and the rest of that message is skipped")
    func tokenCountLimit() {
        let limits = QGAStreamLimits(maxMessageBytes: 1 << 20, maxTokens: 100, maxDepth: 8)
        let big = "[" + Array(repeating: "1", count: 200).joined(separator: ",") + "]"
        let events = decodeAll(big + ping, limits: limits)
        #expect(errorTexts(events) == ["JSON token count limit exceeded"])
        #expect(messages(events) == [["execute": "guest-ping"]])
    }

    @Test("a string that crosses the limit while skipping does not confuse the recovery")
    func skippingTracksStrings() {
        let limits = QGAStreamLimits(maxMessageBytes: 64, maxTokens: 100, maxDepth: 8)
        // After the limit, a "}" inside a string must not end the skipped message early.
        let text = #"{"a":""# + String(repeating: "x", count: 80) + #"}}}}","b":1}"# + ping
        let events = decodeAll(text, limits: limits)
        #expect(errorTexts(events) == ["JSON token size limit exceeded"])
        #expect(messages(events) == [["execute": "guest-ping"]])
    }

    @Test("the real 64 MiB limit: a never-ending string stays bounded and 0xFF recovers")
    func realSizeLimit() {
        var decoder = QGAStreamDecoder(role: .agent)
        var events = decoder.feed(Array(#"{"execute":"guest-ping","id":""#.utf8))
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        var peak = 0
        chunk.withUnsafeBytes { buffer in
            for _ in 0..<66 {
                decoder.feed(buffer) { events.append($0) }
                peak = max(peak, decoder.pendingBytes)
            }
        }
        #expect(errorTexts(events) == ["JSON token size limit exceeded"])
        #expect(peak <= QGAStreamLimits.qemu.maxMessageBytes)
        events = decoder.feed([0xFF] + Array(ping.utf8))
        #expect(messages(events) == [["execute": "guest-ping"]])
    }
}
