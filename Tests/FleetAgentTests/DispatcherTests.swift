import Foundation
import QGA
import Testing
@testable import FleetAgent

@Suite("Dispatcher")
struct DispatcherTests {
    @Test("success-response false: no reply on success, the error on failure")
    func noReplyCommands() throws {
        let harness = try Harness()
        try harness.standIn("shutdown")
        #expect(harness.call(#"{"execute":"guest-shutdown","arguments":{"mode":"reboot"},"id":1}"#) == nil)
        #expect(harness.calls("shutdown") == "-r +0 hypervisor initiated shutdown\n")
        try harness.standIn("shutdown", status: 1)
        #expect(harness.call(#"{"execute":"guest-shutdown","id":2}"#) == [
            "error": ["class": "GenericError", "desc": "child process has failed to shutdown"], "id": 2,
        ])
    }

    @Test("guest-sync-delimited replies start with 0xFF; other replies do not; ids are echoed")
    func delimitedAndIds() throws {
        let harness = try Harness()
        var decoder = QGAStreamDecoder(role: .agent)
        let events = decoder.feed(Array(#"{"execute":"guest-sync-delimited","arguments":{"id":42},"id":[1,"x"]}{"execute":"guest-ping","id":null}"#.utf8))
        let replies = events.compactMap(harness.dispatcher.reply(to:))
        #expect(replies.count == 2)
        #expect(replies[0].first == 0xFF)
        #expect(Array(replies[0].dropFirst()) == Array(#"{"return": 42, "id": [1, "x"]}"#.utf8) + [0x0A])
        #expect(replies[1] == Array(#"{"return": {}, "id": null}"#.utf8) + [0x0A])
    }

    @Test("allow-list, block-list and the frozen state combine")
    func policy() throws {
        var policy = CommandPolicy()
        policy.allowed = ["guest-ping", "guest-info", "guest-get-time", "guest-fsfreeze-status"]
        policy.blocked = ["guest-get-time"]
        let harness = try Harness(policy: policy)
        #expect(harness.result(#"{"execute":"guest-ping"}"#) == [:])
        #expect(harness.errorDesc(#"{"execute":"guest-get-time"}"#) == "Command guest-get-time has been disabled")
        #expect(harness.errorDesc(#"{"execute":"guest-get-host-name"}"#) == "Command guest-get-host-name has been disabled")
        #expect(harness.call(#"{"execute":"guest-get-host-name"}"#)?["error"]?["class"] == "CommandNotFound")
        harness.context.setFrozen(true)
        #expect(harness.result(#"{"execute":"guest-fsfreeze-status"}"#) == "frozen")
        // Blocked stays "disabled" without the frozen reason; allowed ones get the frozen text.
        #expect(harness.errorDesc(#"{"execute":"guest-get-time"}"#) == "Command guest-get-time has been disabled")
        #expect(FileManager.default.fileExists(atPath: harness.stateDirectory.path + "/qga.state.isfrozen"))
        harness.context.setFrozen(false)
        #expect(!FileManager.default.fileExists(atPath: harness.stateDirectory.path + "/qga.state.isfrozen"))
        // Thawing never enables what the lists disable.
        #expect(harness.errorDesc(#"{"execute":"guest-get-time"}"#) == "Command guest-get-time has been disabled")
        let info = try #require(harness.result(#"{"execute":"guest-info"}"#)?["supported_commands"]?.arrayValue)
        let enabled = Set(info.filter { $0["enabled"] == true }.compactMap { $0["name"]?.stringValue })
        #expect(enabled == ["guest-ping", "guest-info", "guest-fsfreeze-status"])
    }

    @Test("while frozen only the frozen-safe commands run, with qemu-ga's text")
    func frozen() throws {
        let harness = try Harness()
        harness.context.setFrozen(true)
        #expect(harness.errorDesc(#"{"execute":"guest-exec","arguments":{"path":"true"}}"#)
            == "Command guest-exec has been disabled: the agent is in frozen state")
        for allowed in ["guest-ping", "guest-info", "guest-fsfreeze-status"] {
            #expect(harness.call(#"{"execute":"\#(allowed)"}"#)?["return"] != nil, "\(allowed)")
        }
        #expect(harness.result(#"{"execute":"guest-sync","arguments":{"id":3}}"#) == 3)
    }

    @Test("every command of the table is known; guest-get-devices is listed but disabled")
    func coverage() throws {
        let harness = try Harness()
        for command in QGACommandTable.all {
            #expect(harness.dispatcher.registry.knows(command.name), "\(command.name)")
        }
        let info = try #require(harness.result(#"{"execute":"guest-info"}"#))
        #expect(info["version"] == .string(FleetVersion.current))
        let devices = info["supported_commands"]?.arrayValue?.first { $0["name"] == "guest-get-devices" }
        #expect(devices?["enabled"] == false)
        #expect(harness.errorDesc(#"{"execute":"guest-get-devices"}"#) == "Command guest-get-devices has been disabled")
    }

    @Test("a stream error is replied without an id, and serving goes on")
    func streamErrors() throws {
        let harness = try Harness()
        var decoder = QGAStreamDecoder(role: .agent)
        let replies = decoder.feed([0xFF] + Array(#"{"execute":"guest-ping"}"#.utf8)).compactMap(harness.dispatcher.reply(to:))
        #expect(replies.map { String(decoding: $0, as: UTF8.self) } == [
            "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\n",
            "{\"return\": {}}\n",
        ])
    }
}
