import FleetAPIModel
import Foundation
import Testing

/// The control API's hand-written RFC 3339 transcoder against Foundation's parser.
@Suite("RFC 3339 times")
struct RFC3339Tests {
    @Test("written with milliseconds and Z; read back exactly")
    func roundTrip() throws {
        let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for millis in [Int64(0), 1, 999, 1_763_797_512_345, 4_102_444_799_999, -1, -86_400_001] {
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let text = RFC3339DateTranscoder.string(date)
            #expect(text.count == 24 && text.hasSuffix("Z"), "\(text)")
            let parsed = try #require(RFC3339DateTranscoder.date(text))
            #expect(Int64((parsed.timeIntervalSince1970 * 1000).rounded()) == millis, "\(text)")
            if millis >= 0 { #expect(abs(try foundation.parse(text).timeIntervalSince(date)) < 0.001, "\(text)") }
        }
    }

    @Test("reads every RFC 3339 form; refuses what is not one")
    func forms() throws {
        let base = try #require(RFC3339DateTranscoder.date("2026-11-22T07:45:12Z"))
        #expect(base.timeIntervalSince1970 == 1_795_333_512)
        #expect(RFC3339DateTranscoder.date("2026-11-22T08:45:12+01:00") == base)
        #expect(RFC3339DateTranscoder.date("2026-11-22t02:15:12-05:30") == base)
        #expect(RFC3339DateTranscoder.date("2026-11-22T07:45:12.5Z")?.timeIntervalSince1970 == 1_795_333_512.5)
        for bad in ["", "2026-11-22", "2026-11-22T07:45:12", "2026-13-22T07:45:12Z", "2026-11-22T07:45:12.Z", "2026-11-22T07:45:12Zjunk", "yesterday"] {
            #expect(RFC3339DateTranscoder.date(bad) == nil, "\(bad)")
        }
    }
}
