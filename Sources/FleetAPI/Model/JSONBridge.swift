import Foundation
import OpenAPIRuntime
import QGA

/// Moves JSON between the QGA module's exact `JSONValue` and the OpenAPI runtime's containers.
/// Through bytes, so 64-bit integers stay exact on both sides.
enum JSONBridge {
    static func value(_ container: some Encodable) throws -> JSONValue? {
        JSONValue.parseDocument(Array(try JSONEncoder().encode(container)))
    }

    static func container(_ value: JSONValue) throws -> OpenAPIValueContainer {
        try JSONDecoder().decode(OpenAPIValueContainer.self, from: Data(JSONWriter(style: .compact).bytes(value)))
    }
}
