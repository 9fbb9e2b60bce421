import Testing
@testable import QGA

/// Error texts as qemu-ga 7.2 produces them (measured by sending the same bytes to the real
/// agent; see shared/notes/qga-facts.md and the commit that added these cases).
@Suite("Stream decoder: errors and recovery")
struct StreamErrorTests {
    @Test("agent role: 0xFF is a stray byte, then parsing restarts")
    func strayFF() {
        let events = decodeAll([0xFF] + Array(ping.utf8))
        #expect(errorTexts(events) == ["JSON parse error, stray '\u{FFFD}'"])
        #expect(messages(events) == [["execute": "guest-ping"]])
    }

    @Test("garbage, then 0xFF, then a valid message")
    func garbageThenFF() {
        let bytes = Array(#"{"execute":"gue"#.utf8) + [0x01, 0x7F, 0x80] + Array("xx\"".utf8) + [0xFF] + Array(ping.utf8)
        let events = decodeAll(bytes)
        #expect(messages(events) == [["execute": "guest-ping"]])
        #expect(events.last == .message(["execute": "guest-ping"]))
    }

    @Test("0xFF inside a string quotes the partial token")
    func ffInsideString() {
        let bytes = Array(#"{"execute":"gue"#.utf8) + [0xFF] + Array(ping.utf8)
        let events = decodeAll(bytes)
        #expect(errorTexts(events) == ["JSON parse error, stray '\"gue\u{FFFD}'"])
        #expect(messages(events) == [["execute": "guest-ping"]])
    }

    @Test("after a number, 0xFF is reported on its own")
    func ffAfterNumber() {
        let events = decodeAll(Array(#"{"execute":12"#.utf8) + [0xFF] + Array(ping.utf8))
        #expect(errorTexts(events) == ["JSON parse error, stray '\u{FFFD}'"])
        #expect(messages(events).count == 1)
    }

    @Test("qemu-ga's parse error texts", arguments: [
        (#"{"execute":"guest-ping",}"#, ["JSON parse error, expecting value"]),
        (#"{"execute":"guest-ping","id":007}"#, ["JSON parse error, stray '00'", "JSON parse error, expecting value"]),
        (#"{"execute":"guest-ping","id":"\q"}"#, ["JSON parse error, invalid escape sequence in string"]),
        (#"{"execute":"guest-ping","id":"\ud800"}"#, [#"JSON parse error, \ud800 is not a valid Unicode character"#]),
        (#"{"execute":"guest-ping","id":"\ud83dx"}"#, [#"JSON parse error, \ud83d is not a valid Unicode character"#]),
        (#"{"execute":"guest-ping","id":"\ud83d\u0041"}"#, [#"JSON parse error, \ud83d is not a valid Unicode character"#]),
        (#"{"execute":"guest-ping","id":"\uFFFF"}"#, [#"JSON parse error, \uFFFF is not a valid Unicode character"#]),
        (#"{"execute":"guest-ping","id":"\u12"}"#, [#"JSON parse error, \u12" is not a valid Unicode character"#]),
        (#"{"execute":"guest-ping","id":1,"id":2}"#, ["JSON parse error, duplicate key"]),
        (#"{"execute" "guest-ping"}"#, ["JSON parse error, missing : in object pair"]),
        (#"{"a"}"#, ["JSON parse error, missing : in object pair"]),
        (#"{1:2}"#, ["JSON parse error, key is not a string in object"]),
        (#"{[1]:2}"#, ["JSON parse error, key is not a string in object"]),
        (#"[1 2]"#, ["JSON parse error, expected separator in list"]),
        (#"{"execute":"guest-ping" "id":1}"#, ["JSON parse error, expected separator in dict"]),
        (#"{"execute":"guest-ping"]"#, ["JSON parse error, expected separator in dict"]),
        (#"[1,]"#, ["JSON parse error, expecting value"]),
        (#"{,}"#, ["JSON parse error, expecting value"]),
        (#"[}"#, ["JSON parse error, expecting value"]),
        (#"{"a":}"#, ["JSON parse error, expecting value"]),
        (#"[,1]"#, ["JSON parse error, expecting value"]),
        (":", ["JSON parse error, expecting value"]),
        (",", ["JSON parse error, expecting value"]),
        ("]", ["JSON parse error, expecting value"]),
        (#"{"execute":nul}"#, ["JSON parse error, invalid keyword 'nul'"]),
        (#"oops "#, ["JSON parse error, invalid keyword 'oops'"]),
        (#"{"execute":"guest-ping","id":-}"#, ["JSON parse error, stray '-}'"]),
        (#"{"execute":"guest-ping","id":1.}"#, ["JSON parse error, stray '1.}'"]),
        (#"{"execute":"guest-ping","id":1e}"#, ["JSON parse error, stray '1e}'"]),
        (#"{"execute":"guest-ping","id":.5}"#, ["JSON parse error, stray '.'", "JSON parse error, expecting value"]),
        (#"{"execute":"guest-ping","id":+1}"#, ["JSON parse error, stray '+'", "JSON parse error, expecting value"]),
        ("{\"execute\":\"guest-ping\",\"id\":\"a\u{1}b\"}", ["JSON parse error, stray '\"a\u{1}'", "JSON parse error, expecting value"]),
        ("{\"execute\":\"guest-ping\",\"id\":\"a\tb\"}", ["JSON parse error, stray '\"a\t'", "JSON parse error, expecting value"]),
        ("TRUE ", ["JSON parse error, stray 'T'"]),
    ])
    func qemuTexts(_ input: String, _ expected: [String]) {
        #expect(errorTexts(decodeAll(input)) == expected)
    }

    @Test("invalid raw UTF-8 in a string", arguments: [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xC3], [0xEF, 0xBF, 0xBF]] as [[UInt8]])
    func invalidUTF8(_ bad: [UInt8]) {
        let bytes = Array(#"{"id":""#.utf8) + bad + Array(#""}"#.utf8)
        #expect(errorTexts(decodeAll(bytes)) == ["JSON parse error, invalid UTF-8 sequence in string"])
    }

    @Test("QEMU's modified UTF-8 reads C0 80 as U+0000")
    func modifiedUTF8Nul() {
        let bytes = Array(#"{"id":""#.utf8) + [0xC0, 0x80] + Array(#""}"#.utf8)
        #expect(messages(decodeAll(bytes)) == [["id": "\u{0}"]])
    }

    @Test("after an error the next message parses", arguments: [
        #"{"execute":"guest-ping" "id":1}"#, "oops ", "{1:2}", "]", #"{"a":"\q"}"#,
    ])
    func recovery(_ bad: String) {
        let events = decodeAll(bad + ping)
        #expect(errorTexts(events).count == 1)
        #expect(messages(events) == [["execute": "guest-ping"]])
    }

    @Test("recovery skips to the next structural character, as QEMU does")
    func recoverySkipsText() {
        // "abc" after the stray byte is skipped; the object after it parses.
        let events = decodeAll(Array(#"{"x":"#.utf8) + [0xFE] + Array(#""abc" 42 "#.utf8) + Array(ping.utf8))
        #expect(errorTexts(events) == ["JSON parse error, stray '\u{FFFD}'"])
        #expect(messages(events) == [["execute": "guest-ping"]])
    }

    @Test("host role: 0xFF discards the partial message silently and marks the delimiter")
    func hostDelimiter() {
        let bytes = Array(#"{"return": {"partial"#.utf8) + [0xFF] + Array(#"{"return": 42}"#.utf8) + [0x0A]
        let events = decodeAll(bytes, role: .host)
        #expect(events == [.delimiter, .message(["return": 42])])
    }

    @Test("host role: discardUntilDelimiter drops complete stale replies too")
    func hostDiscardUntilDelimiter() {
        var decoder = QGAStreamDecoder(role: .host)
        decoder.discardUntilDelimiter()
        let stale = Array(#"{"return": {}, "id": 7}"#.utf8) + Array("\n garbage".utf8)
        #expect(decoder.feed(stale).isEmpty)
        let events = decoder.feed([0xFF] + Array(#"{"return": 1234}"#.utf8))
        #expect(events == [.delimiter, .message(["return": 1234])])
    }
}
