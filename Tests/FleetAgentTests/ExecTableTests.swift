import Foundation
import QGA
import Testing
@testable import FleetAgent

@Suite("guest-exec")
struct ExecTableTests {
    func run(_ harness: Harness, _ arguments: String) throws -> JSONValue {
        let pid = try #require(harness.result(#"{"execute":"guest-exec","arguments":\#(arguments)}"#)?["pid"]?.int64Value)
        var status: JSONValue?
        harness.spin {
            status = harness.result(#"{"execute":"guest-exec-status","arguments":{"pid":\#(pid)}}"#)
            return status?["exited"] == true
        }
        #expect(harness.errorDesc(#"{"execute":"guest-exec-status","arguments":{"pid":\#(pid)}}"#) == "Invalid parameter 'pid'")
        return try #require(status)
    }

    static func text(_ base64: JSONValue?) -> String? {
        guard let s = base64?.stringValue, let bytes = try? QGABase64.decode(s) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("capture modes: separated, merged, stdout, stderr, none")
    func captureModes() throws {
        let harness = try Harness()
        harness.context.system.searchPath = ["/usr/bin", "/bin"]
        let script = #""path":"sh","arg":["-c","echo out; echo err >&2; exit 4"]"#
        let separated = try run(harness, "{\(script),\"capture-output\":\"separated\"}")
        #expect(Self.text(separated["out-data"]) == "out\n" && Self.text(separated["err-data"]) == "err\n")
        #expect(separated["exitcode"] == 4)
        let merged = try run(harness, "{\(script),\"capture-output\":\"merged\"}")
        #expect(Self.text(merged["out-data"]) == "out\nerr\n" && merged["err-data"] == nil)
        let stdout = try run(harness, "{\(script),\"capture-output\":\"stdout\"}")
        #expect(Self.text(stdout["out-data"]) == "out\n" && stdout["err-data"] == nil)
        let stderr = try run(harness, "{\(script),\"capture-output\":\"stderr\"}")
        #expect(stderr["out-data"] == nil && Self.text(stderr["err-data"]) == "err\n")
        let none = try run(harness, "{\(script),\"capture-output\":false}")
        #expect(none == ["exited": true, "exitcode": 4])
    }

    @Test("output beyond 16 MiB is cut and flagged; stdin and env reach the child")
    func limitsAndInput() throws {
        let harness = try Harness()
        harness.context.system.searchPath = ["/usr/bin", "/bin"]
        let big = try run(harness, #"{"path":"sh","arg":["-c","head -c 17000000 /dev/zero; echo tail >&2"],"capture-output":true}"#)
        #expect(big["out-truncated"] == true && big["err-truncated"] == false)
        #expect(try QGABase64.decode(big["out-data"]?.stringValue ?? "").count == 16 << 20)
        let input = QGABase64.encode(Array(repeating: UInt8(ascii: "x"), count: 300_000))
        let cat = try run(harness, #"{"path":"wc","arg":["-c"],"input-data":"\#(input)","capture-output":true}"#)
        #expect(Self.text(cat["out-data"])?.trimmingCharacters(in: .whitespacesAndNewlines) == "300000")
        let env = try run(harness, #"{"path":"/bin/sh","arg":["-c","echo $ONLY"],"env":["ONLY=this"],"capture-output":true}"#)
        #expect(Self.text(env["out-data"]) == "this\n")
        let signal = try run(harness, #"{"path":"sh","arg":["-c","kill -TERM $$"]}"#)
        #expect(signal == ["exited": true, "signal": 15])
    }

    @Test("a program not on the path gets GLib's message")
    func missingProgram() throws {
        let harness = try Harness()
        #expect(harness.errorDesc(#"{"execute":"guest-exec","arguments":{"path":"no-such-program"}}"#)
            == "Guest agent command failed, error was 'Failed to execute child process \u{201C}no-such-program\u{201D} (No such file or directory)'")
    }
}
