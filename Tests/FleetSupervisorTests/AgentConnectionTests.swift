import FleetTestSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import QGA
import Testing
@testable import FleetSupervisor

// Serialized: the garbage-flood test keeps a core busy for seconds, and the trickle test's
// timing (a byte every 25 ms against a 100 ms timeout) must not run beside it.
@Suite("Agent connection", .serialized)
struct AgentConnectionTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    /// qemu-ga serves one client at a time: until it has seen the previous client leave, its
    /// listen queue may be full and a connect fails with EAGAIN (a session's reconnect loop
    /// rides that out; a test connecting once must too).
    static func connectWhenFree(_ path: String) async throws -> AgentConnection {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            do {
                return try await AgentConnection.connect(unixSocket: path, on: group)
            } catch let error as IOError where error.errnoCode == EAGAIN && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    @Test("sync then typed calls, against fleet-agent and the real qemu-ga", arguments: ["fleet-agent", "qemu-ga"])
    func realAgents(_ which: String) async throws {
        let agent = try AgentProcess(executable: which == "qemu-ga" ? AgentProcess.qemuGAPath : AgentProcess.fleetAgentPath, name: which)
        defer { agent.stop() }
        // A client that leaves half a request behind: qemu-ga keeps that partial input for the
        // next client. The 0xFF of the sync must clear it.
        do {
            let raw = try agent.connect()
            raw.send(#"{"execute":"guest-get-osinfo","argu"#)
        }
        let connection = try await Self.connectWhenFree(agent.socketPath)
        try await connection.sync(timeout: .seconds(10))
        let info = try await connection.call(GuestInfoCommand.self, timeout: .seconds(5))
        #expect(info.supportedCommands.contains { $0.name == "guest-ping" && $0.enabled })
        _ = try await connection.call(GuestPingCommand.self, timeout: .seconds(5))
        let os = try await connection.call(GuestGetOSInfoCommand.self, timeout: .seconds(5))
        #expect(os.kernelRelease?.isEmpty == false)
        let sync = try await connection.call(GuestSyncCommand.self, GuestSyncArguments(id: Int64.min), timeout: .seconds(5))
        #expect(sync == Int64.min)
        do {
            _ = try await connection.call(GuestFileReadCommand.self, GuestFileReadArguments(handle: 999_999), timeout: .seconds(5))
            Issue.record("an unknown handle must fail")
        } catch let error as AgentConnectionError {
            #expect(error == .agent(QGAError(.genericError, "handle '999999' has not been found")))
        }
        // A batch in one write: each answered in turn, a failure in the middle its own.
        let batch = await connection.send(batch: [
            GuestGetTimeCommand.request(QGAEmpty()), GuestFileReadCommand.request(GuestFileReadArguments(handle: 999_999)),
            GuestGetHostNameCommand.request(QGAEmpty()), GuestGetOSInfoCommand.request(QGAEmpty()),
        ], within: .routine)
        #expect(batch.count == 4)
        #expect(try batch[0].result(GuestGetTimeCommand.self) > 0)
        #expect(throws: AgentConnectionError.agent(QGAError(.genericError, "handle '999999' has not been found"))) {
            try batch[1].result(GuestFileReadCommand.self)
        }
        #expect(try batch[2].result(GuestGetHostNameCommand.self).hostName == ProcessInfo.processInfo.hostName)
        #expect(try batch[3].result(GuestGetOSInfoCommand.self) == os)
        #expect(zip(batch, batch.dropFirst()).allSatisfy { $0.receivedAt <= $1.receivedAt })
        await connection.close()
        let afterClose = await connection.send(batch: [GuestPingCommand.request(QGAEmpty()), GuestPingCommand.request(QGAEmpty())], within: .routine)
        #expect(afterClose.map { (try? $0.outcome.get()) == nil } == [true, true], "a closed link fails every member")
    }

    @Test("a timed-out request fails alone; its late reply is dropped and counted")
    func lateReply() async throws {
        let agent = try ScriptedAgent { request, fd in
            if ScriptedAgent.answerSync(request, fd) { return }
            if request["execute"] == "guest-get-time" { usleep(300_000) }
            ScriptedAgent.reply(fd, ["return": 7, "id": request["id"] ?? nil])
        }
        let connection = try await AgentConnection.connect(unixSocket: agent.path, on: Self.group)
        try await connection.sync()
        await #expect(throws: AgentConnectionError.timeout(command: "guest-get-time")) {
            _ = try await connection.call(GuestGetTimeCommand.self, timeout: .milliseconds(50))
        }
        // The late reply arrives before this one and is dropped, not mistaken for it.
        #expect(try await connection.call(GuestGetTimeCommand.self, timeout: .seconds(2)) == 7)
        #expect(connection.counters.staleReplies == 1)
        await connection.close()
    }

    @Test("replies with wrong ids, no ids or unsolicited ones are dropped and counted")
    func wrongIds() async throws {
        let agent = try ScriptedAgent { request, fd in
            if ScriptedAgent.answerSync(request, fd) { return }
            ScriptedAgent.reply(fd, ["return": 1, "id": 424242])
            ScriptedAgent.reply(fd, ["return": 2])
            ScriptedAgent.reply(fd, ["return": [:], "id": request["id"] ?? nil])
        }
        let connection = try await AgentConnection.connect(unixSocket: agent.path, on: Self.group)
        try await connection.sync()
        #expect(try await connection.call(GuestPingCommand.self, timeout: .seconds(2)) == QGAEmpty())
        #expect(connection.counters.staleReplies == 2)
        await connection.close()
    }

    @Test("a reply past the cap is cut off without buffering it; fleetd hangs up, and the next connection works")
    func oversized() async throws {
        let agent = try ScriptedAgent { request, fd in
            if ScriptedAgent.answerSync(request, fd) { return }
            if request["execute"] == "guest-get-host-name" {
                ScriptedAgent.write(fd, Array(#"{"return": {"host-name": ""#.utf8))
                ScriptedAgent.write(fd, [UInt8](repeating: UInt8(ascii: "x"), count: 4 << 20))
                ScriptedAgent.write(fd, Array("\"}}\n".utf8))
                return
            }
            ScriptedAgent.reply(fd, ["return": [:], "id": request["id"] ?? nil])
        }
        let limits = QGAStreamLimits(maxMessageBytes: 64 << 10, maxTokens: 4096, maxDepth: 16)
        let connection = try await AgentConnection.connect(unixSocket: agent.path, on: Self.group, limits: limits)
        try await connection.sync()
        do {
            _ = try await connection.call(GuestGetHostNameCommand.self, timeout: .seconds(5))
            Issue.record("the giant reply must not be accepted")
        } catch let error as AgentConnectionError {
            #expect(error == .replyTooLarge("JSON token size limit exceeded"))
            #expect(error.requiresResync)
        }
        // Reading the rest to find its end could take gigabytes: fleetd hangs up instead, says why.
        let deadline = ContinuousClock.now + .seconds(5)
        while connection.channel.isActive && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!connection.channel.isActive)
        #expect(connection.counters.closedBecause?.hasPrefix("closed by fleetd: reply cut off") == true, "\(connection.counters)")
        #expect(connection.counters.oversizedReplies == 1)
        await connection.close()
        let again = try await AgentConnection.connect(unixSocket: agent.path, on: Self.group, limits: limits)
        try await again.sync()
        #expect(try await again.call(GuestPingCommand.self, timeout: .seconds(2)) == QGAEmpty())
        await again.close()
    }

    @Test("garbage is a protocol violation; a wrong-shaped result is reported as such")
    func garbageAndBadResults() async throws {
        let agent = try ScriptedAgent { request, fd in
            if ScriptedAgent.answerSync(request, fd) { return }
            switch request["execute"]?.stringValue {
            case "guest-get-osinfo": ScriptedAgent.write(fd, Array("\u{1}\u{2} garbage {]\n".utf8))
            case "guest-get-vcpus": ScriptedAgent.reply(fd, ["return": [["logical-id": "zero", "online": true]], "id": request["id"] ?? nil])
            default: ScriptedAgent.reply(fd, ["return": [:], "id": request["id"] ?? nil])
            }
        }
        let connection = try await AgentConnection.connect(unixSocket: agent.path, on: Self.group)
        try await connection.sync()
        do {
            _ = try await connection.call(GuestGetOSInfoCommand.self, timeout: .seconds(2))
            Issue.record("garbage must fail the call")
        } catch let error as AgentConnectionError {
            guard case .protocolViolation = error else { Issue.record("\(error)"); return }
        }
        try await connection.sync()
        do {
            _ = try await connection.call(GuestGetVcpusCommand.self, timeout: .seconds(2))
            Issue.record("a string logical-id must fail")
        } catch let error as AgentConnectionError {
            guard case .invalidResult(command: "guest-get-vcpus", _) = error else { Issue.record("\(error)"); return }
        }
        #expect(connection.counters.malformedReplies >= 1)
        await connection.close()
    }

    @Test("success-response false: silence or the guest going away is success, an error reply is an error")
    func noReplyCommands() async throws {
        let agent = try ScriptedAgent { request, fd in
            if ScriptedAgent.answerSync(request, fd) { return }
            if request["arguments"]?["mode"] == "reboot" {
                ScriptedAgent.reply(fd, ["error": ["class": "GenericError", "desc": "child process has failed to shutdown"], "id": request["id"] ?? nil])
            }
            // A VM that powers off at once: QEMU exits and the socket closes, long before the
            // silence would count (seen with real VMs).
            if request["arguments"]?["mode"] == "halt" { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        let connection = try await AgentConnection.connect(unixSocket: agent.path, on: Self.group)
        try await connection.sync()
        #expect(try await connection.call(GuestShutdownCommand.self, GuestShutdownArguments(mode: "powerdown"), timeout: .milliseconds(200)) == QGAEmpty())
        await #expect(throws: AgentConnectionError.agent(QGAError(.genericError, "child process has failed to shutdown"))) {
            _ = try await connection.call(GuestShutdownCommand.self, GuestShutdownArguments(mode: "reboot"), timeout: .seconds(2))
        }
        let start = ContinuousClock.now
        #expect(try await connection.call(GuestShutdownCommand.self, GuestShutdownArguments(mode: "halt"), timeout: .seconds(30)) == QGAEmpty())
        #expect(ContinuousClock.now - start < .seconds(10), "the close, not the silence, must end the call")
        await #expect(throws: AgentConnectionError.disconnected) {
            _ = try await connection.call(GuestPingCommand.self, timeout: .seconds(2))
        }
        await connection.close()
    }

    @Test("a guest flooding garbage is read in short bursts, with pauses between them, not at full speed")
    func garbageFloodIsThrottled() async throws {
        let flooded = NIOLockedValueBox(0)
        let agent = try ScriptedAgent { request, fd in
            if ScriptedAgent.answerSync(request, fd) { return }
            // Every line is a fresh parse error: without the pause fleetd would lex all of it.
            let chunk = [UInt8](String(repeating: "nonsense }\n", count: 6000).utf8)
            let end = Date().addingTimeInterval(3)
            while Date() < end, ScriptedAgent.write(fd, chunk) { flooded.withLockedValue { $0 += chunk.count } }
        }
        let connection = try await AgentConnection.connect(unixSocket: agent.path, on: Self.group)
        try await connection.sync()
        await #expect(throws: AgentConnectionError.self) {
            _ = try await connection.call(GuestPingCommand.self, timeout: .seconds(5))
        }
        try await Task.sleep(for: .seconds(3.5))
        let bytes = flooded.withLockedValue { $0 }
        // Pauses of 0.25 + 0.5 + 1 + 2 s: a few reads' worth plus the socket buffers, where an
        // unthrottled reader takes hundreds of MiB in 3 s.
        #expect(bytes < 16 << 20, "fleetd read \(bytes) bytes of garbage in 3 s")
        #expect(connection.counters.readPauses >= 2)
        await connection.close()
    }

    @Test("a guest that never answers: sync resends with fresh ids, then times out; a closed socket is 'disconnected'")
    func silentAndClosed() async throws {
        let agent = try ScriptedAgent { _, _ in }
        let connection = try await AgentConnection.connect(unixSocket: agent.path, on: Self.group)
        await #expect(throws: AgentConnectionError.syncTimeout) {
            try await connection.sync(resendEvery: .milliseconds(50), timeout: .milliseconds(400))
        }
        #expect(connection.counters.syncAttempts >= 3)
        await connection.close()
        await #expect(throws: (any Error).self) {
            _ = try await connection.call(GuestPingCommand.self, timeout: .seconds(1))
        }
    }
}
