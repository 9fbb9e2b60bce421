import FleetTestSupport
import Foundation
import GRDB
import NIOConcurrencyHelpers
import QGA
import Testing
@testable import FleetStore
@testable import FleetSupervisor

/// Inventory history and special states, end to end through the supervisor and SQL.
@Suite("Inventory history", .serialized)
struct InventoryHistoryTests {
    static func directory() throws -> String { try makeTemporaryDirectory("fleet-hist") }

    @Test("an address that changes becomes two spans; unknown commands are marked unsupported once")
    func addressHistory() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let address = NIOLockedValueBox("10.0.2.15")
        let agent = try ScriptedAgent { request, fd in
            if ScriptedAgent.answerSync(request, fd) { return }
            let id = request["id"] ?? nil
            switch request["execute"]?.stringValue {
            case "guest-info":
                let commands: [JSONValue] = ["guest-ping", "guest-network-get-interfaces", "guest-get-host-name"].map {
                    ["name": .string($0), "enabled": true, "success-response": true]
                }
                ScriptedAgent.reply(fd, ["return": ["version": "scripted", "supported_commands": .array(commands)], "id": id])
            case "guest-ping":
                ScriptedAgent.reply(fd, ["return": [:], "id": id])
            case "guest-network-get-interfaces":
                let ip = address.withLockedValue { $0 }
                ScriptedAgent.reply(fd, ["return": [["name": "eth0", "hardware-address": "52:54:00:12:34:56",
                    "ip-addresses": [["ip-address": .string(ip), "ip-address-type": "ipv4", "prefix": 24]]]], "id": id])
            default:
                let name = request["execute"]?.stringValue ?? ""
                ScriptedAgent.reply(fd, ["error": ["class": "CommandNotFound", "desc": .string("The command \(name) has not been found")], "id": id])
            }
        }
        // The scripted agent listens elsewhere; a symbolic link puts its socket in the watched directory.
        try FileManager.default.createSymbolicLink(atPath: dir + "/scripted.sock", withDestinationPath: agent.path)
        var config = SupervisorTests.fastConfig(dir)
        config.inventoryIntervals[.network] = .milliseconds(200)
        config.inventoryIntervals[.hostName] = .milliseconds(200)
        let store = try FleetStore(path: dir + "/fleet.db")
        let supervisor = Supervisor(config: config, store: store)
        let running = Task { try await supervisor.run() }
        defer { running.cancel() }

        let spans: @Sendable (Database) throws -> Int = { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM address") ?? 0 }
        #expect(try await SupervisorTests.waitFor(store, expected: 1, spans) == 1)
        address.withLockedValue { $0 = "10.0.2.99" }
        #expect(try await SupervisorTests.waitFor(store, expected: 2, spans) == 2)
        let rows: [Row] = try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT address, valid_from, valid_to FROM address ORDER BY id")
        }
        #expect(rows.map { $0["address"] as String } == ["10.0.2.15", "10.0.2.99"])
        try #require(rows.count == 2)
        #expect(rows[0]["valid_to"] as Int64? == rows[1]["valid_from"] as Int64?)
        #expect(rows[1]["valid_to"] as Int64? == nil)
        // guest-get-host-name was listed but refused: unsupported, recorded once, not retried.
        let unsupported = try await SupervisorTests.waitFor(store, expected: ["guest-get-host-name"]) { db in
            try String.fetchAll(db, sql: "SELECT command FROM unsupported_command")
        }
        #expect(unsupported == ["guest-get-host-name"])
    }

    @Test("agent restarts: os-release changes become history; one started with the frozen marker is 'frozen'")
    func frozenAndRestart() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let osRelease = dir + "/os-release"
        func startAgent(version: String, frozen: Bool) throws -> AgentProcess {
            try "ID=fleettest\nVERSION_ID=\(version)\n".write(toFile: osRelease, atomically: true, encoding: .utf8)
            return try AgentProcess(
                executable: AgentProcess.fleetAgentPath, name: "fleet-agent", socketPath: dir + "/vm1.sock",
                environment: ["QGA_OS_RELEASE": osRelease]
            ) { state in
                if frozen {
                    _ = FileManager.default.createFile(atPath: state.appendingPathComponent("state/qga.state.isfrozen").path, contents: nil)
                }
            }
        }
        let store = try FleetStore(path: dir + "/fleet.db")
        let supervisor = Supervisor(config: SupervisorTests.fastConfig(dir), store: store)
        let running = Task { try await supervisor.run() }
        defer { running.cancel() }
        let versions: @Sendable (Database) throws -> [String] = { db in try String.fetchAll(db, sql: "SELECT version_id FROM os_info ORDER BY id") }

        var agent = try startAgent(version: "1", frozen: false)
        #expect(try await SupervisorTests.waitFor(store, expected: ["1"], versions) == ["1"])
        agent.stop()
        // Frozen: only the frozen-safe commands run, so inventory waits.
        agent = try startAgent(version: "2", frozen: true)
        #expect(try await SupervisorTests.waitFor(store, expected: "frozen", SupervisorTests.state("vm1")) == "frozen")
        agent.stop()
        agent = try startAgent(version: "2", frozen: false)
        defer { agent.stop() }
        #expect(try await SupervisorTests.waitFor(store, expected: ["1", "2"], versions) == ["1", "2"])
        #expect(try await SupervisorTests.waitFor(store, expected: "responsive", SupervisorTests.state("vm1")) == "responsive")
        let spans: [Row] = try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT valid_from, valid_to FROM os_info ORDER BY id")
        }
        try #require(spans.count == 2)
        #expect(spans[0]["valid_to"] as Int64? == spans[1]["valid_from"] as Int64?)
        let history: [String] = try await store.database.read { db in
            try String.fetchAll(db, sql: "SELECT to_state FROM vm_transition ORDER BY id")
        }
        #expect(history.contains("frozen") && history.contains("gone"))
    }
}
