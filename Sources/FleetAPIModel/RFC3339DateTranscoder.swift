import Foundation
import OpenAPIRuntime

/// RFC 3339 times for the control API: written with milliseconds, read with or without a
/// fraction (both are RFC 3339; the runtime's transcoders each accept only one form).
public struct RFC3339DateTranscoder: DateTranscoder {
    public init() {}

    public func encode(_ date: Date) throws -> String {
        try ISO8601DateTranscoder.iso8601WithFractionalSeconds.encode(date)
    }

    public func decode(_ string: String) throws -> Date {
        if let date = try? ISO8601DateTranscoder.iso8601WithFractionalSeconds.decode(string) { return date }
        return try ISO8601DateTranscoder.iso8601.decode(string)
    }
}

extension Configuration {
    /// The configuration both fleetd and fleetctl use.
    public static var fleet: Configuration { Configuration(dateTranscoder: RFC3339DateTranscoder()) }
}
