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
        let (sim, line) = try fleet.launchFleetSim(
            ["--count", "20", "--churn-seconds", "5"] + Self.hostile.flatMap { ["--behaviour", "\($0)=1"] })
        defer {
            kill(sim.processIdentifier, SIGTERM)
            sim.waitUntilExit()
        }
        #expect(line.hasPrefix("ready 30"), "\(line)")

        // fleet-sim's sockets are new, so its VMs have just started: a hung one is booting until
        // the (shortened) boot grace ends, then unresponsive.
        try fleet.startFleetd(extraArguments: [
            "--inventory-network-seconds", "2", "--inventory-host-name-seconds", "2", "--inventory-os-info-seconds", "2",
            "--heartbeat-boot-grace-seconds", "20",
            // Four crossings of the responsive line within a minute make a VM flapping.
            "--flapping-changes", "4", "--flapping-window-seconds", "60",
            // A freeze nobody thaws is flagged after 5 s.
            "--freeze-max-seconds", "5",
        ])
        let healthy = (1...20).map { String(format: "vm-%05d", $0) }
        try fleet.waitFor(healthy, state: "responsive", timeout: 30)
        // Every hostile behaviour plays out (on a loaded machine this takes longer: poll).
        var vms: [String: [String: Any]] = [:]
        var metrics = ""
        var rejections: [Any] = []
        func dropped(_ reason: String) -> Double {
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("fleet_replies_dropped_total{reason=\"\(reason)\"}") }
            return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        }
        func settled() -> Bool {
            vms["silent-after-0001"]?["state"] as? String == "unresponsive" && vms["frozen-0001"]?["state"] as? String == "frozen"
                && (vms["frozen-0001"]?["reason"] as? String ?? "").contains("longer than freeze.maxSeconds")
                && vms["hung-0001"]?["state"] as? String == "unresponsive" && !rejections.isEmpty
                && vms["garbage-0001"]?["state"] as? String == "unresponsive"
                && vms["flapping-0001"]?["state"] as? String == "flapping" && vms["giant-0001"]?["state"] as? String == "flapping"
                && ["stale", "oversized", "malformed"].allSatisfy { dropped($0) > 0 }
        }
        let deadline = Date().addingTimeInterval(90)
        repeat {
            Thread.sleep(forTimeInterval: 1)
            let list = try #require(try fleet.json(["list"]) as? [[String: Any]])
            vms = Dictionary(uniqueKeysWithValues: list.compactMap { vm in (vm["name"] as? String).map { ($0, vm) } })
            metrics = try fleet.fleetctl(["metrics"]).text
            rejections = ((try fleet.json(["show", "absurd-0001"]) as? [String: Any])?["rejections"] as? [Any]) ?? []
        } while !settled() && Date() < deadline

        for name in healthy { #expect(vms[name]?["state"] as? String == "responsive", "\(name): \(vms[name] ?? [:])") }
        for behaviour in Self.hostile {
            let name = "\(behaviour.split(separator: ":").first ?? "")-0001"
            let vm = try #require(vms[name], "\(name) missing")
            #expect(!(vm["reason"] as? String ?? "").isEmpty, "\(name) has no reason")
        }
        let summary = vms.keys.sorted().map { "\($0): \(vms[$0]?["state"] ?? "?") (\(vms[$0]?["reason"] ?? ""))" }.joined(separator: "\n")
        #expect(vms["hung-0001"]?["state"] as? String == "unresponsive", "\(summary)")
        let hungReason: String = (vms["hung-0001"]?["reason"] as? String) ?? ""
        #expect(hungReason.contains("within the boot grace (20 s)"), "\(summary)")
        let hungHistory = try fleet.fleetctl(["history", "hung-0001"]).text
        #expect(hungHistory.contains("booting"), "booting before unresponsive: \(hungHistory)")
        #expect(vms["silent-after-0001"]?["state"] as? String == "unresponsive", "\(summary)\n\(fleet.log.suffix(3000))")
        #expect(vms["garbage-0001"]?["state"] as? String == "unresponsive", "a guest that syncs but garbles every ping: \(summary)")
        #expect(vms["frozen-0001"]?["state"] as? String == "frozen", "\(summary)")
        // Frozen past freeze.maxSeconds: flagged, never thawed (fleetd did not freeze it).
        let frozenReason: String = (vms["frozen-0001"]?["reason"] as? String) ?? ""
        #expect(frozenReason.hasPrefix("frozen for ") && frozenReason.contains("longer than freeze.maxSeconds (5 s)"), "\(summary)")
        #expect(metrics.contains("fleet_freezes_overdue_total 1"), "\(metrics)")
        #expect(vms["wrong-ids-0001"]?["state"] as? String == "responsive", "\(summary)")
        // A guest that keeps dropping its connection, and one that answers the sync and then
        // streams replies past their cap (cut off, reconnected, synced, for ever): flapping, not
        // responsive between cut-offs. One that trickles an endless reply garbles everything
        // after it: never responsive again.
        #expect(vms["flapping-0001"]?["state"] as? String == "flapping", "\(summary)")
        #expect(vms["giant-0001"]?["state"] as? String == "flapping", "\(summary)")
        #expect(["flapping", "unresponsive"].contains(vms["endless-0001"]?["state"] as? String ?? ""), "\(summary)")
        // What fleetd refused is counted, per reason, and recorded per VM where it is inventory.
        for reason in ["stale", "oversized", "malformed"] { #expect(dropped(reason) > 0, "no \(reason) replies counted:\n\(metrics)") }
        #expect(!rejections.isEmpty, "absurd replies are recorded as rejections")

        // fleetd is still up and answering, and stayed small.
        #expect(try fleet.fleetctl(["status"]).status == 0)
        let pid = fleet.fleetdPID
        let statm = try String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8).split(separator: " ")
        let rssMiB = (Int(statm[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) >> 20
        #expect(rssMiB < 400, "fleetd RSS \(rssMiB) MiB")
    }
}
