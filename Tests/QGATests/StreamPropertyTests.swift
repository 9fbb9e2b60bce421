import Testing
@testable import QGA

/// Randomised checks with a fixed seed (repeatable): the decoder's output does not depend on how
/// the input is split, random bytes never crash it or grow it past its limits, and after any
/// garbage a 0xFF and a valid message always get through.
@Suite("Stream decoder: randomised properties")
struct StreamPropertyTests {
    /// A small deterministic generator (SplitMix64), so a failure can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomValue(_ rng: inout SplitMix, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 6 : 8), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 3: return .integer(UInt64.random(in: UInt64(Int64.max)...UInt64.max, using: &rng))
        case 4: return .double(Double(Int.random(in: -1000...1000, using: &rng)) / 8)
        case 5:
            let scalars = (0..<Int.random(in: 0..<12, using: &rng)).map { _ in
                ["a", "\"", "\\", "\n", "\u{1}", "é", "😀", "'", "/", " "].randomElement(using: &rng)!
            }
            return .string(scalars.joined())
        case 6: return .array((0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var object = JSONObject()
            for i in 0..<Int.random(in: 0..<4, using: &rng) { object["k\(i)"] = randomValue(&rng, depth: depth + 1) }
            return .object(object)
        }
    }

    @Test("random messages, random splits, both writer styles: the same values come out")
    func splitInvariance() {
        var rng = SplitMix(state: 0xF1EE7)
        for round in 0..<200 {
            let values = (0..<Int.random(in: 1..<6, using: &rng)).map { _ in Self.randomValue(&rng) }
            let style: JSONWriter.Style = round % 2 == 0 ? .compact : .qemu
            let bytes = values.flatMap { JSONWriter(style: style).line($0) }
            var decoder = QGAStreamDecoder(role: .agent)
            var events: [QGAStreamEvent] = []
            var offset = 0
            while offset < bytes.count {
                let size = Int.random(in: 1...max(1, bytes.count / 3), using: &rng)
                events += decoder.feed(bytes[offset..<min(bytes.count, offset + size)])
                offset += size
            }
            // Doubles written by the qemu style may come back as integers (1.0 → "1").
            let expected = values.map { parseJSON(JSONWriter(style: style).string($0)) }
            #expect(events.map { if case .message(let v) = $0 { v } else { nil } } == expected, "round \(round)")
        }
    }

    @Test("random bytes never crash the decoder or exceed its limits; 0xFF then a message recovers")
    func garbage() {
        var rng = SplitMix(state: 0xBAD)
        let limits = QGAStreamLimits(maxMessageBytes: 4096, maxTokens: 512, maxDepth: 32)
        for role in [QGAStreamRole.agent, .host] {
            for _ in 0..<300 {
                var decoder = QGAStreamDecoder(role: role, limits: limits)
                let alphabet = Array("{}[]:,\"'\\-0123456789.eEtruefalsn \t\n".utf8) + [0x00, 0x7F, 0xC3, 0xFE]
                let noise = (0..<Int.random(in: 0..<3000, using: &rng)).map { _ in
                    Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...0xFE, using: &rng)
                }
                _ = decoder.feed(noise)
                #expect(decoder.pendingBytes <= limits.maxMessageBytes)
                let events = decoder.feed([0xFF] + Array(#"{"execute":"guest-ping","id":7}"#.utf8))
                #expect(events.last == .message(["execute": "guest-ping", "id": 7]))
            }
        }
    }
}
