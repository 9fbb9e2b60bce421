import FleetStore
import FleetTestSupport
import Foundation
import NIOPosix
import QGA
import Testing
@testable import FleetSupervisor

/// A round's items fetched as one batch from a scripted agent that answers in turn, as agents do.
@Suite("Inventory collector")
struct InventoryCollectorTests {
    /// An agent whose OS info takes `osInfoDelay` and whose clock is this machine's.
    static func agent(osInfoDelay: Double) throws -> ScriptedAgent {
        try ScriptedAgent { request, fd in
            if ScriptedAgent.answerSync(request, fd) { return }
            let id = request["id"]
            switch request["execute"]?.stringValue {
            case "guest-get-osinfo":
                Thread.sleep(forTimeInterval: osInfoDelay)
                ScriptedAgent.reply(fd, QGAReply.success(["kernel-release": "6.1.0", "id": "debian"], id: id).json)
            case "guest-get-time":
                ScriptedAgent.reply(fd, QGAReply.success(.int(Date().millis * 1_000_000), id: id).json)
            case "guest-get-host-name":
                ScriptedAgent.reply(fd, QGAReply.failure(QGAError(.genericError, "no host name here"), id: id).json)
            default:
                ScriptedAgent.reply(fd, QGAReply.failure(QGAError(.commandNotFound, "The command \(request["execute"]?.stringValue ?? "") has not been found"), id: id).json)
            }
        }
    }

    @Test("a round is one batch: each item its own result, in the order asked; the clock is measured ahead of a slow item")
    func round() async throws {
        let agent = try Self.agent(osInfoDelay: 0.6)
        let link = try await AgentConnection.connect(unixSocket: agent.path, on: MultiThreadedEventLoopGroup.singleton)
        defer { Task { await link.close() } }
        try await link.synchronize()
        let collector = InventoryCollector(facts: InventoryFacts())
        let results = await collector.collect([.osInfo, .hostName, .vcpus, .clock], via: link, enabled: [])
        #expect(results.count == 4)
        guard case .observed(let os, _) = results[0] else { Issue.record("\(results[0])"); return }
        #expect(os.map(\.table) == [OSInfoFact.table])
        // An agent error other than a missing command records nothing; the round goes on.
        guard case .failed = results[1] else { Issue.record("\(results[1])"); return }
        guard case .unsupported(let missing, _) = results[2] else { Issue.record("\(results[2])"); return }
        #expect(missing == "guest-get-vcpus")
        // The clock went first: had it waited behind the 600 ms OS info, the midpoint of the
        // exchange would have put the guest 300 ms ahead.
        guard case .observed(let clock, _) = results[3] else { Issue.record("\(results[3])"); return }
        #expect(clock.map(\.fingerprint) == [[ClockDriftFact(driftMs: 0)].hashValue])
    }
}
