import FleetStore
import Foundation
import HTTPTypes
import Testing

@testable import FleetAPI

/// The request validator on its own: the document's rules, strict parameter text, schema checks.
@Suite("request validation")
struct RequestValidationTests {
    let rules = RequestRules.document

    func query(_ operation: String, _ target: String, path: [String: Substring] = [:]) -> String? {
        do {
            try rules.checkParameters(of: operation, request: HTTPRequest(method: .get, scheme: nil, authority: nil, path: target), pathParameters: path)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("the generated rules decode and cover every operation of the document")
    func rulesDecode() throws {
        #expect(rules.operations["writeFile"]?.maxBodyBytes == 8 << 20)
        #expect(rules.operations["pingVM"]?.maxBodyBytes == 64 << 10)
        #expect(rules.paths["/v1/vms/{name}/ssh-keys"] == ["GET", "POST"])
        let text = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/FleetAPITests/RequestValidationTests.swift", with: "docs/openapi.yaml"), encoding: .utf8)
        #expect(rules.operations.count == text.components(separatedBy: "operationId: ").count - 1)
        for name in rules.operations.keys { #expect(text.contains("operationId: \(name)\n"), "\(name)") }
    }

    @Test("numbers are read with JSON's grammar only")
    func numbers() {
        for text in ["0", "-1", "12", "1.5", "1e3", "1E-3", "-0.0"] { #expect(ParameterText.isJSONNumber(text, integer: false), "\(text)") }
        for text in ["nan", "inf", "-inf", "0x10", "+1", "01", "1.", ".5", "1e", "", "-", "1_000", " 1"] {
            #expect(!ParameterText.isJSONNumber(text, integer: false), "\(text)")
        }
        #expect(ParameterText.isJSONNumber("42", integer: true) && !ParameterText.isJSONNumber("4.2", integer: true))
        #expect(!ParameterText.isJSONNumber("1e2", integer: true))
    }

    @Test("query parameters: bounds, types, repeats, decoding")
    func parameters() {
        #expect(query("getExec", "/v1/execs/1?wait=nan", path: ["id": "1"]) == "query parameter 'wait': must be a number (got 'nan')")
        #expect(query("getExec", "/v1/execs/1?wait=300.5", path: ["id": "1"]) == "query parameter 'wait': must be at most 300 (got 300.5)")
        #expect(query("getExec", "/v1/execs/1?wait=300", path: ["id": "1"]) == nil)
        #expect(query("getExec", "/v1/execs/x", path: ["id": "x"]) == "path parameter 'id': must be an integer (got 'x')")
        #expect(query("getExec", "/v1/execs/1", path: [:]) == "path parameter 'id': is required")
        #expect(query("getHistory", "/v1/vms/a/history?limit=-1", path: ["name": "a"]) == "query parameter 'limit': must be at least 1 (got -1)")
        #expect(query("getHistory", "/v1/vms/a/history?limit=9223372036854775808", path: ["name": "a"])?.contains("within") == true)
        #expect(query("getStatus", "/v1/status?limit=1&limit=2") == "query parameter 'limit': must be given once (got 2 values)")
        #expect(query("getStatus", "/v1/status?vms=every")?.hasPrefix("query parameter 'vms': must be one of 'attention', 'all'") == true)
        #expect(query("getSSHKeys", "/v1/vms/a/ssh-keys", path: ["name": "a"]) == "query parameter 'user': is required")
        #expect(query("getSSHKeys", "/v1/vms/a/ssh-keys?user=", path: ["name": "a"]) == "query parameter 'user': must not be empty")
        #expect(query("getHistory", "/v1/vms/a/history?since=2026-12-02T10%3A00%3A00%2B01%3A00", path: ["name": "a"]) == nil)
        #expect(query("getHistory", "/v1/vms/a/history?since=2026-13-02T10:00:00Z", path: ["name": "a"])?.contains("RFC 3339") == true)
        #expect(query("getVM", "/v1/vms/" + String(repeating: "n", count: 256), path: ["name": Substring(String(repeating: "n", count: 256))])
            == "path parameter 'name': must be at most 255 characters long (got 256)")
        #expect(query("listVMs", "/v1/vms?name=web+%2A") == nil)
        #expect(query("listVMs", "/v1/vms?name=%zz")?.contains("percent-encoded") == true)
    }

    @Test("patterns: a trailing newline does not sneak past $, messages say what is meant")
    func patterns() {
        #expect(query("listVMs", "/v1/vms?address=10.0.0.1") == nil)
        #expect(query("listVMs", "/v1/vms?address=2001:db8::/32") == nil)
        #expect(query("listVMs", "/v1/vms?address=10.0.0.1%0A") == "query parameter 'address': must be an IP address or a CIDR block (got '10.0.0.1\n')")
        #expect(query("listVMs", "/v1/vms?state=responsive%0A")?.contains("comma-separated states") == true)
        #expect(query("listVMs", "/v1/vms?state=responsive,frozen") == nil)
        #expect(query("listVMs", "/v1/vms?state=") == nil)
    }

    @Test("the state filter takes every state a VM can be in, and its message names them all")
    func everyStateFilters() {
        for state in VMState.allCases {
            #expect(query("listVMs", "/v1/vms?state=responsive,\(state.rawValue)") == nil, "\(state)")
            #expect(query("listVMs", "/v1/vms?state=bogus")?.contains(state.rawValue) == true, "\(state)")
        }
    }

    func body(_ operation: String, _ json: String) throws -> String? {
        let rule = try #require(rules.operations[operation]?.body?.schema)
        let value = try JSONDecoder().decode(JSONInstance.self, from: Data(json.utf8))
        do {
            try SchemaValidator.check(value, against: rule, at: "body")
            return nil
        } catch {
            return error.description
        }
    }

    @Test("bodies: members, nesting, exact integers")
    func bodies() throws {
        #expect(try body("startExec", #"{"path":"/bin/true","args":["-a"],"timeoutSeconds":5}"#) == nil)
        #expect(try body("startExec", #"{"args":[]}"#) == "body: must have the member 'path'")
        #expect(try body("startExec", #"{"path":"/bin/true","args":["a",7]}"#) == "body member 'args'[1]: must be a string (got a number)")
        #expect(try body("startExec", #"{"path":"/bin/true","timeoutSeconds":0}"#) == "body member 'timeoutSeconds': must be at least 0.1 (got 0)")
        #expect(try body("fstrimVM", #"{"minimum":9223372036854775807}"#) == nil)
        #expect(try body("fstrimVM", #"{"minimum":9223372036854775808}"#)?.contains("integer within") == true)
        #expect(try body("readFile", #"{"path":"/x","maxBytes":67108865}"#) == "body member 'maxBytes': must be at most 67108864 (got 67108865)")
        #expect(try body("agentCommand", #"{"execute":"guest-ping","arguments":{"anything":[1,{"deep":true}]}}"#) == nil)
        #expect(try body("changeSSHKeys", #"{"username":"u","add":[""#+String(repeating: "k", count: 16385)+#""]}"#)?.contains("at most 16384") == true)
        #expect(try body("freezeVM", #"[]"#) == "body: must be an object (got a list)")
    }
}
