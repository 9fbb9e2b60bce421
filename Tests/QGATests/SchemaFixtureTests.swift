import Foundation
import Testing
@testable import QGA

/// Real qemu-ga 7.2 exchanges (recorded by scripts/capture-qga-fixtures): each reply decodes
/// into its command's model and encodes back to the same JSON, so no member is lost or renamed.
@Suite("Schema models against real qemu-ga replies")
struct SchemaFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/qemu-ga-7.2")

    static var fixtureNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
    }

    static func load(_ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        var decoder = QGAStreamDecoder(role: .host)
        let events = decoder.feed(Array(data) + [0x0A])
        guard events.count == 1, case .message(let value) = events[0] else {
            throw QGAReplyShapeError("\(name) is not one JSON value: \(events)")
        }
        return value
    }

    static func roundTrip<C: QGACommand>(_ command: C.Type, _ value: JSONValue) throws -> JSONValue {
        QAPIEncoder().encode(try C.decodeResult(value))
    }

    @Test("there are fixtures for most commands")
    func fixturesExist() {
        #expect(Self.fixtureNames.count >= 25)
    }

    @Test("each reply decodes into its model and encodes back unchanged", arguments: fixtureNames)
    func roundTrip(_ name: String) throws {
        let fixture = try Self.load(name)
        let request = try QGARequest.parse(try #require(fixture["request"])).get()
        let command = try #require(QGACommandTable.command(named: request.execute))
        let reply = try QGAReply.parse(try #require(fixture["reply"])).get()
        switch reply.outcome {
        case .success(let result):
            #expect(try Self.sameOnTheWire(Self.roundTrip(command, result), result))
        case .failure(let error):
            // Recorded error replies (e.g. no authorized_keys file) keep their class and text.
            #expect(error.errorClass == .genericError)
            #expect(!error.desc.isEmpty)
        }
        // The request also satisfies the strict argument check the agent applies.
        #expect(throws: Never.self) { try Self.checkArguments(command, request.arguments) }
    }

    static func checkArguments<C: QGACommand>(_ command: C.Type, _ arguments: JSONObject?) throws {
        _ = try C.decodeArguments(arguments)
    }

    @Test("fleet's command table covers every command real qemu-ga lists")
    func tableCoversQemuGA() throws {
        let info = try GuestInfoCommand.decodeResult(try #require(Self.load("guest-info.json")["reply"]?["return"]))
        let ours = Set(QGACommandTable.all.map { $0.name })
        for command in info.supportedCommands {
            #expect(ours.contains(command.name), "\(command.name) missing")
            let entry = try #require(QGACommandTable.command(named: command.name))
            #expect(entry.successResponse == command.successResponse, "\(command.name)")
        }
    }

    @Test("the sample replies of qga-facts.md decode", arguments: [
        (GuestExecStatusCommand.name, #"{"exited": false}"#),
        (GuestExecStatusCommand.name, #"{"exited": true, "signal": 9}"#),
        (GuestExecStatusCommand.name, #"{"exited": true, "exitcode": 0, "out-data": "aGkK", "out-truncated": false}"#),
        (GuestInfoCommand.name, #"{"version": "7.2.22", "supported_commands": [{"name": "guest-ping", "enabled": true, "success-response": true}]}"#),
        (GuestFileReadCommand.name, #"{"count": 0, "buf-b64": "", "eof": true}"#),
        (GuestFstrimCommand.name, #"{"paths": [{"path": "/", "trimmed": 0, "minimum": 0}, {"path": "/boot", "error": "Operation not supported"}]}"#),
        (GuestSyncDelimitedCommand.name, "-9223372036854775808"),
        (GuestFsfreezeStatusCommand.name, #""frozen""#),
        (GuestGetLoadCommand.name, #"{"load1": 0.5, "load5": 0.25, "load15": 0}"#),
        (GuestNetworkGetRouteCommand.name, #"[{"iface": "eth0", "destination": "0.0.0.0", "metric": 0, "gateway": "10.0.2.2", "mask": "0.0.0.0", "flags": 3, "version": 4}]"#),
    ])
    func factsSamples(_ commandName: String, _ text: String) throws {
        let command = try #require(QGACommandTable.command(named: commandName))
        let value = try #require(parseJSON(text))
        #expect(try Self.sameOnTheWire(Self.roundTrip(command, value), value))
    }

    /// QEMU writes a 'number' that happens to be whole as an integer ("0", not "0.0"), so two
    /// values are the same JSON when they write the same way and read back equal.
    static func sameOnTheWire(_ a: JSONValue, _ b: JSONValue) -> Bool {
        let writer = JSONWriter(style: .qemu)
        return parseJSON(writer.string(a)) == parseJSON(writer.string(b))
    }

    @Test("the table has one entry per name and QEMU's success-response flags")
    func table() {
        let names = QGACommandTable.all.map { $0.name }
        #expect(Set(names).count == names.count)
        let noReply = Set(QGACommandTable.all.filter { !$0.successResponse }.map { $0.name })
        #expect(noReply == ["guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid"])
        let frozenOK = Set(QGACommandTable.all.filter { $0.allowedWhileFrozen }.map { $0.name })
        #expect(frozenOK == ["guest-ping", "guest-info", "guest-sync", "guest-sync-delimited",
                             "guest-fsfreeze-status", "guest-fsfreeze-thaw"])
        #expect(QGACommandTable.all.filter { $0.origin == .baseline }.count == 31)
        #expect(QGACommandTable.infos.first { $0.name == "guest-exec" }?.resultType == "GuestExec")
    }
}
