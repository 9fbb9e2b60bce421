import QGA
import FuzzDriver

// libFuzzer target for the QGA stream decoder (see scripts/fuzz). Each input is fed to an
// agent-role and a host-role decoder in uneven chunks; the properties checked are that nothing
// crashes, pending bytes never exceed the limit, and a 0xFF plus a valid request always parses.

let limits = QGAStreamLimits(maxMessageBytes: 1 << 16, maxTokens: 4096, maxDepth: 64)
let probe = Array(#"{"execute":"guest-ping","id":1}"#.utf8)

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    for role in [QGAStreamRole.agent, .host] {
        var decoder = QGAStreamDecoder(role: role, limits: limits)
        var offset = 0
        var chunk = 1
        while offset < input.count {
            let end = min(input.count, offset + chunk)
            decoder.feed(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: input[offset..<end]))) { event in
                if case .message(let value) = event {
                    // Whatever parsed must write and parse back to itself.
                    var again = QGAStreamDecoder(role: .agent)
                    let text = JSONWriter(style: .qemu).line(value)
                    let events = again.feed(text)
                    check(events.count == 1, "re-parse of \(text.count) bytes gave \(events.count) events")
                }
            }
            check(decoder.pendingBytes <= limits.maxMessageBytes, "pending bytes over the limit")
            offset = end
            chunk = chunk * 3 % 97 + 1
        }
        let tail = decoder.feed([0xFF] + probe)
        check(tail.last == .message(["execute": "guest-ping", "id": 1]), "no recovery after 0xFF")
    }
    return 0
}

@_cdecl("fuzz_decoder_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOne(data, size) }
}
