import FleetAPIModel
import Foundation
import OpenAPIRuntime
import QGA

/// API values become QGA `JSONValue`s (exact integers, members in schema order) for rendering.
enum JSONValueCoding {
    static func value(_ encodable: some Encodable) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339DateTranscoder.string(date))
        }
        let data = try encoder.encode(encodable)
        // fleetd is trusted here, and an export of 10,000 VMs passes the QEMU parser's token cap.
        let limits = QGAStreamLimits(maxMessageBytes: Int.max, maxTokens: Int.max, maxDepth: 1024)
        guard let value = JSONValue.parseDocument(Array(data), limits: limits) else { throw ValidationErrorText("fleetd sent JSON fleetctl cannot read") }
        return value
    }

    static func rows(_ encodable: some Encodable) throws -> [JSONObject] {
        guard case .array(let items) = try value(encodable) else { return [] }
        return items.compactMap(\.objectValue)
    }
}

struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
