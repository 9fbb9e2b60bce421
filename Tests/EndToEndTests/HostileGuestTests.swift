import FleetTestSupport
import Foundation
import Testing

/// The short version of the hostile-guest run: fleet-sim serves healthy VMs and one of every
/// hostile behaviour; fleetd must stay up and small, keep the healthy ones responsive, put every
/// hostile one in a recorded state with a reason, and count every reply it refused.
@Suite("hostile guests", .serialized)
struct HostileGuestTests {
    static let hostile = [
        "hung", "silent-after:12", "flapping:2", "garbage", "giant:40", "endless", "wrong-ids", "absurd", "frozen", "slow:20-300",
    ]

    @Test("one of every hostile behaviour beside healthy VMs")
    func hostileFleet() throws {
        let fleet = try FleetFixture(fleetAgents: [], qemuGA: nil)
        let sim = Process()
        sim.executableURL = URL(fileURLWithPath: AgentProcess.builtProduct("fleet-sim"))
        sim.arguments = ["--dir", fleet.socketDirectory, "--count", "20", "--churn-seconds", "5"]
            + Self.hostile.flatMap { ["--behaviour", "\($0)=1"] }
        let ready = Pipe()
        sim.standardOutput = ready
        try sim.run()
        defer {
            kill(sim.processIdentifier, SIGTERM)
            sim.waitUntilExit()
        }
        let line = String(decoding: ready.fileHandleForReading.availableData, as: UTF8.self)
        #expect(line.hasPrefix("ready 30"), "\(line)")

        try fleet.startFleetd(extraArguments: ["--inventory-network-seconds", "2", "--inventory-host-name-seconds", "2", "--inventory-os-info-seconds", "2"])
        let healthy = (1...20).map { String(format: "vm-%05d", $0) }
        try fleet.waitFor(healthy, state: "responsive", timeout: 30)
        // Let every hostile behaviour play out several times.
        Thread.sleep(forTimeInterval: 15)

        let vms = try #require(try fleet.json(["list"]) as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: vms.compactMap { vm in (vm["name"] as? String).map { ($0, vm) } })
        for name in healthy { #expect(byName[name]?["state"] as? String == "responsive", "\(name): \(byName[name] ?? [:])") }
        for behaviour in Self.hostile {
            let kind = String(behaviour.split(separator: ":").first ?? "")
            let name = "\(kind)-0001"
            let vm = try #require(byName[name], "\(name) missing")
            #expect(!(vm["reason"] as? String ?? "").isEmpty, "\(name) has no reason")
        }
        #expect(byName["hung-0001"]?["state"] as? String != "responsive")
        #expect(byName["silent-after-0001"]?["state"] as? String == "unresponsive")
        #expect(byName["frozen-0001"]?["state"] as? String == "frozen")
        #expect(byName["wrong-ids-0001"]?["state"] as? String == "responsive")

        // What fleetd refused is counted, per reason, and recorded per VM where it is inventory.
        let metrics = try fleet.fleetctl(["metrics"]).text
        for reason in ["stale", "oversized", "malformed"] {
            let value = metrics.split(separator: "\n").first { $0.hasPrefix("fleet_replies_dropped_total{reason=\"\(reason)\"}") }
            #expect((value.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0) > 0, "no \(reason) replies counted")
        }
        let absurd = try #require(try fleet.json(["show", "absurd-0001"]) as? [String: Any])
        #expect(!((absurd["rejections"] as? [Any]) ?? []).isEmpty, "absurd replies are recorded as rejections")

        // fleetd is still up and answering, and stayed small.
        #expect(try fleet.fleetctl(["status"]).status == 0)
        let pid = fleet.fleetdPID
        let statm = try String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8).split(separator: " ")
        let rssMiB = (Int(statm[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) >> 20
        #expect(rssMiB < 400, "fleetd RSS \(rssMiB) MiB")
    }
}
