import Testing
@testable import QGA

@Suite("Stream decoder: framing")
struct StreamFramingTests {
    static let stream = #"{"execute":"guest-sync","arguments":{"id":-9223372036854775808},"id":"a"} "#
        + #"{'execute':'guest-ping','id':[1,{"x":null}]}"# + "\n"
        + #"{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"aGk=\u00e9\ud83d\ude00"}}"#
        + #"[true,false,1.5e3,18446744073709551615]"#

    static let expected: [JSONValue] = [
        ["execute": "guest-sync", "arguments": ["id": .int(Int64.min)], "id": "a"],
        ["execute": "guest-ping", "id": [1, ["x": nil]]],
        ["execute": "guest-file-write", "arguments": ["handle": 1000, "buf-b64": "aGk=é😀"]],
        [true, false, .double(1500), .uint(UInt64.max)],
    ]

    @Test("one chunk yields every message in order")
    func wholeStream() {
        #expect(messages(decodeAll(Self.stream)) == Self.expected)
    }

    @Test("every split point into two chunks gives the same messages")
    func everySplitPoint() {
        let bytes = Array(Self.stream.utf8)
        for split in 0...bytes.count {
            var decoder = QGAStreamDecoder(role: .agent)
            var events = decoder.feed(bytes[..<split])
            events += decoder.feed(bytes[split...])
            #expect(messages(events) == Self.expected, "split at \(split)")
            #expect(errorTexts(events).isEmpty, "split at \(split)")
        }
    }

    @Test("every pair of split points into three chunks gives the same messages")
    func everyTwoSplitPoints() {
        let bytes = Array(Self.stream.utf8)
        for first in stride(from: 0, through: bytes.count, by: 3) {
            for second in first...bytes.count {
                var decoder = QGAStreamDecoder(role: .agent)
                var events = decoder.feed(bytes[..<first])
                events += decoder.feed(bytes[first..<second])
                events += decoder.feed(bytes[second...])
                #expect(messages(events) == Self.expected)
            }
        }
    }

    @Test("one byte at a time gives the same messages")
    func byteAtATime() {
        var decoder = QGAStreamDecoder(role: .agent)
        var events: [QGAStreamEvent] = []
        for byte in Self.stream.utf8 { events += decoder.feed([byte]) }
        #expect(events.map { if case .message = $0 { true } else { false } }.allSatisfy { $0 })
        #expect(messages(events) == Self.expected)
    }

    @Test("the raw-buffer API agrees with the sequence API")
    func rawBuffer() {
        var decoder = QGAStreamDecoder(role: .agent)
        var events: [QGAStreamEvent] = []
        Array(Self.stream.utf8).withUnsafeBytes { decoder.feed($0) { events.append($0) } }
        #expect(messages(events) == Self.expected)
    }

    @Test("a message is emitted as soon as its closing brace arrives")
    func emitsOnClose() {
        var decoder = QGAStreamDecoder(role: .agent)
        #expect(decoder.feed(Array(#"{"execute":"guest-ping""#.utf8)).isEmpty)
        #expect(!decoder.isIdle)
        #expect(messages(decoder.feed(Array("}".utf8))) == [["execute": "guest-ping"]])
        #expect(decoder.isIdle)
    }

    @Test("a bare number waits for the byte that ends it, as in QEMU")
    func bareNumberNeedsDelimiter() {
        var decoder = QGAStreamDecoder(role: .agent)
        #expect(decoder.feed(Array("42".utf8)).isEmpty)
        #expect(messages(decoder.feed(Array(" ".utf8))) == [42])
    }

    @Test("whitespace between and around messages is ignored")
    func whitespace() {
        let events = decodeAll(" \t\r\n\(ping)\n\n \(ping)\t")
        #expect(messages(events).count == 2)
        #expect(errorTexts(events).isEmpty)
    }
}
