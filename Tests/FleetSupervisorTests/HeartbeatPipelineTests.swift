import NIOConcurrencyHelpers
import NIOCore
import QGA
import Testing
@testable import FleetSupervisor

/// The heartbeat on the agent pipeline in virtual time: pings go from the heartbeat straight to
/// the request handler, and their outcomes come straight back.
@Suite("Heartbeat on the agent pipeline, virtual time")
struct HeartbeatPipelineTests {
    typealias Line = AgentPipelineTests.Line

    /// Starts a heartbeat whose outcomes are collected.
    static func start(on line: Line, interval: TimeAmount = .seconds(5), timeout: TimeAmount = .seconds(1)) -> NIOLockedValueBox<[HeartbeatOutcome]> {
        let outcomes = NIOLockedValueBox<[HeartbeatOutcome]>([])
        let schedule = HeartbeatSchedule(interval: interval, timeout: timeout) { outcome in outcomes.withLockedValue { $0.append(outcome) } }
        line.channel.triggerUserOutboundEvent(AgentControl.startHeartbeat(schedule), promise: nil)
        return outcomes
    }

    /// The ids of the guest-ping requests written since the last call (one request per write).
    static func pings(_ line: Line) throws -> [Int64] {
        var ids: [Int64] = []
        while let buffer = try line.channel.readOutbound(as: ByteBuffer.self) {
            let request = JSONValue.parseDocument(Array(buffer.readableBytesView))
            if request?["execute"]?.stringValue == "guest-ping", let id = request?["id"]?.int64Value { ids.append(id) }
        }
        return ids
    }

    static func answer(_ line: Line, _ id: Int64) throws {
        try line.receive(Array(#"{"return": {}, "id": \#(id)}"#.utf8) + [UInt8(ascii: "\n")])
    }

    @Test("an answered ping reports its round trip, and the next ping follows within 0.5-1.5 intervals")
    func answered() throws {
        let line = try Line()
        let outcomes = Self.start(on: line)
        let first = try Self.pings(line)
        #expect(first.count == 1)
        line.loop.advanceTime(by: .milliseconds(30))
        try Self.answer(line, first[0])
        let reported = outcomes.withLockedValue { $0 }
        guard case .answered(let rtt)? = reported.first, reported.count == 1 else { Issue.record("\(reported)"); return }
        #expect(rtt == 30_000)
        line.loop.advanceTime(by: .milliseconds(2400))
        #expect(try Self.pings(line).isEmpty, "not before half an interval")
        line.loop.advanceTime(by: .milliseconds(5100 + 100))
        #expect(try Self.pings(line).count == 1, "by one and a half intervals (and a wheel tick)")
    }

    @Test("a ping nobody answers times out and ends the heartbeat; the answer of a replaced heartbeat's ping is ignored")
    func timeoutAndReplacement() throws {
        let line = try Line()
        let old = Self.start(on: line)
        let oldPing = try #require(try Self.pings(line).first)
        line.channel.triggerUserOutboundEvent(AgentControl.stopHeartbeat, promise: nil)
        let current = Self.start(on: line, timeout: .milliseconds(500))
        let newPing = try #require(try Self.pings(line).first)
        try Self.answer(line, oldPing)
        #expect(old.withLockedValue { $0 }.isEmpty, "a stopped heartbeat hears nothing more")
        #expect(current.withLockedValue { $0 }.isEmpty, "nor does its successor hear the old ping")
        line.loop.advanceTime(by: .milliseconds(600))
        #expect(current.withLockedValue { $0 } == [.failed(.timeout(command: "guest-ping"))])
        try Self.answer(line, newPing)
        line.loop.advanceTime(by: .seconds(20))
        #expect(try Self.pings(line).isEmpty, "a timeout needs a resync: the heartbeat stopped")
        #expect(current.withLockedValue { $0 }.count == 1)
    }

    @Test("the channel closing reports disconnected, whether a ping is in flight or not")
    func closing() throws {
        let line = try Line()
        let outcomes = Self.start(on: line)
        _ = try Self.pings(line)
        try line.channel.close().wait()
        #expect(outcomes.withLockedValue { $0 } == [.failed(.disconnected)])
    }
}
