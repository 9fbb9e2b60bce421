import Testing
@testable import QGA

@Suite("JSON values and the writer")
struct JSONValueTests {
    @Test("64-bit edge values round-trip exactly", arguments: [
        ("-9223372036854775808", JSONValue.int(Int64.min)),
        ("9223372036854775807", .int(Int64.max)),
        ("9223372036854775808", .uint(UInt64(Int64.max) + 1)),
        ("18446744073709551615", .uint(UInt64.max)),
        ("0", .int(0)),
        ("-0", .int(0)),
    ])
    func integerEdges(_ text: String, _ value: JSONValue) throws {
        let parsed = try #require(parseJSON(text))
        #expect(parsed == value)
        let expectedText = text == "-0" ? "0" : text
        #expect(JSONWriter(style: .compact).string(parsed) == expectedText)
        #expect(JSONWriter(style: .qemu).string(parsed) == expectedText)
    }

    @Test("numbers beyond 64 bits and fractions become doubles, printed as qemu-ga does", arguments: [
        ("18446744073709551616", "1.8446744073709552e+19"),
        ("-9223372036854775809", "-9.2233720368547758e+18"),
        ("1e3", "1000"),
        ("0.1", "0.10000000000000001"),
        ("-1.5e-300", "-1.5000000000000001e-300"),
        ("1.0", "1"),
    ])
    func doubles(_ text: String, _ qemuText: String) throws {
        let parsed = try #require(parseJSON(text))
        guard case .double = parsed else {
            Issue.record("\(text) parsed as \(parsed)")
            return
        }
        #expect(JSONWriter(style: .qemu).string(parsed) == qemuText)
    }

    @Test("single quotes and escapes")
    func singleQuotesAndEscapes() throws {
        #expect(parseJSON(#"'a\'b"c'"#) == "a'b\"c")
        #expect(parseJSON(#""\"\\\/\b\f\n\r\t""#) == "\"\\/\u{8}\u{C}\n\r\t")
        #expect(parseJSON(#""\u00e9\u00E9\ud83d\ude00\u0000""#) == "éé😀\u{0}")
        #expect(parseJSON(#"{'execute':'guest-ping'}"#) == ["execute": "guest-ping"])
    }

    @Test("qemu style writes exactly what qemu-ga writes")
    func qemuStyle() {
        let value: JSONValue = ["return": [1, ["a": nil, "b": true]], "id": "é😀\u{1}\u{7F}/\"\\\n"]
        #expect(JSONWriter(style: .qemu).string(value)
            == #"{"return": [1, {"a": null, "b": true}], "id": "\u00E9\uD83D\uDE00\u0001\u007F/\"\\\n"}"#)
    }

    @Test("compact style has no spaces and keeps UTF-8")
    func compactStyle() {
        let value: JSONValue = ["return": [1, ["a": nil]], "id": "é"]
        #expect(JSONWriter(style: .compact).string(value) == #"{"return":[1,{"a":null}],"id":"é"}"#)
        #expect(JSONWriter().line(["return": [:]]) == Array("{\"return\":{}}\n".utf8))
    }

    @Test("writer output parses back to the same value", arguments: [JSONWriter.Style.compact, .qemu])
    func writeThenParse(_ style: JSONWriter.Style) {
        let value: JSONValue = [
            "a": [.int(Int64.min), .uint(UInt64.max), .double(0.5), "x\u{0}y", "\u{10FFFD}"],
            "b": ["nested": [[], [:], nil, false]],
        ]
        #expect(parseJSON(JSONWriter(style: style).string(value)) == value)
    }

    @Test("objects compare without regard to member order; .uint and .int agree")
    func equality() {
        let a: JSONValue = ["x": 1, "y": 2]
        let b: JSONValue = ["y": 2, "x": 1]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(JSONValue.uint(5) == .int(5))
        #expect(JSONValue.integer(UInt64(5)) == .int(5))
        #expect(JSONValue.int(-1) != .uint(UInt64.max))
    }

    @Test("large objects stay fast and keep the last value of a key")
    func largeObject() {
        var object = JSONObject()
        for i in 0..<50_000 { object["k\(i)"] = .int(Int64(i)) }
        object["k7"] = "seven"
        #expect(object.count == 50_000)
        #expect(object["k7"] == "seven")
        #expect(object["k49999"] == 49_999)
        object["k7"] = nil
        #expect(object["k7"] == nil)
        #expect(object["k8"] == 8)
    }
}
