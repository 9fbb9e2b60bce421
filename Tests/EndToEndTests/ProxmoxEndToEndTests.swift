import FleetTestSupport
import Foundation
import Testing

/// fleetd with two sources — a Proxmox-like node and a plain socket directory — seen through
/// fleetctl: Proxmox names, vmids, a lock, an agent turned off.
@Suite("Proxmox node through fleetctl", .serialized)
struct ProxmoxEndToEndTests {
    @Test("names from VMID.conf, vmid shown and filterable, a lock shown and refused, a disabled agent listed, beside a plain directory")
    func proxmoxAndSockets() throws {
        let fleet = try FleetFixture(fleetAgents: ["plain1"], qemuGA: nil)
        let run = fleet.directory.appendingPathComponent("qemu-server").path
        let conf = fleet.directory.appendingPathComponent("pve-conf").path
        for path in [run, conf] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        let agent = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "pve-101", socketPath: run + "/101.qga")
        defer { agent.stop() }
        try "name: web\nagent: 1\ncores: 2\n".write(toFile: conf + "/101.conf", atomically: true, encoding: .utf8)
        try "name: legacy\nagent: 0\n".write(toFile: conf + "/102.conf", atomically: true, encoding: .utf8)
        try fleet.startFleetd(extraArguments: [
            "--sources", "proxmox,sockets", "--proxmox-dir", run, "--proxmox-config-dir", conf, "--proxmox-config-poll-milliseconds", "100",
        ])
        try fleet.waitFor(["web", "plain1"], state: "responsive")
        try fleet.waitFor(["legacy"], state: "disabled")

        let listed = try #require(try fleet.json(["list", "--filter", "vmid=101"]) as? [[String: Any]])
        #expect(listed.map { $0["name"] as? String } == ["web"])
        #expect(listed.first?["vmid"] as? Int == 101)
        let table = try fleet.fleetctl(["list"])
        let header = String(decoding: table.stdout, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.hasPrefix("NAME") && header.contains("VMID") && !header.contains("BUSY"), "\(header)")

        // Another client holds the agent (as Proxmox does for the length of a command): busy.
        var holder: QGAClient? = try agent.connect()
        #expect(holder?.call(#"{"execute":"guest-ping"}"#)?["return"] != nil)
        let busyDeadline = Date().addingTimeInterval(20)
        var busy: [String: Any] = [:]
        while Date() < busyDeadline {
            busy = (try fleet.json(["list", "--filter", "vmid=101"]) as? [[String: Any]])?.first ?? [:]
            if busy["busy"] as? Bool == true { break }
            usleep(100_000)
        }
        #expect(busy["busy"] as? Bool == true && busy["state"] as? String == "responsive", "\(busy)")
        let busyHeader = String(decoding: try fleet.fleetctl(["list"]).stdout, as: UTF8.self).split(separator: "\n").first ?? ""
        #expect(busyHeader.contains("BUSY"), "\(busyHeader)")
        holder = nil
        _ = holder

        try "name: web\nagent: 1\ncores: 2\nlock: backup\n".write(toFile: conf + "/101.conf", atomically: true, encoding: .utf8)
        try fleet.waitFor(["web"], state: "locked")
        let locked = try #require(try fleet.json(["list", "--filter", "state=locked"]) as? [[String: Any]])
        #expect(locked.map { $0["name"] as? String } == ["web"] && locked.first?["lock"] as? String == "backup")
        let shown = String(decoding: try fleet.fleetctl(["show", "web"]).stdout, as: UTF8.self)
        #expect(shown.contains("VMID:") && shown.contains("101") && shown.contains("Lock:") && shown.contains("backup"), "\(shown)")
        let ping = try fleet.fleetctl(["ping", "web"])
        #expect(ping.status != 0 && ping.stderr.contains("locked"), "\(ping.stderr)")
        let status = String(decoding: try fleet.fleetctl(["status"]).stdout, as: UTF8.self)
        #expect(status.contains("1 locked") && status.contains("1 disabled"), "\(status)")

        try "name: web\nagent: 1\ncores: 2\n".write(toFile: conf + "/101.conf", atomically: true, encoding: .utf8)
        try fleet.waitFor(["web"], state: "responsive")
        #expect(try fleet.fleetctl(["ping", "web"]).status == 0)
    }

    @Test("sources: a Proxmox directory given alone means Proxmox; an unknown source or a missing directory is a clear error")
    func sourceSettings() throws {
        let directory = try makeTemporaryDirectory("fleetd-sources")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let common = ["--database", directory + "/fleet.db", "--control-socket", directory + "/ctl.sock"]
        let implied = try runProcess(AgentProcess.fleetdPath, ["--proxmox-dir", directory + "/none"] + common)
        #expect(implied.status == 1 && implied.stderr.contains("Proxmox socket directory '\(directory)/none' does not exist"), "\(implied.stderr)")
        let unknown = try runProcess(AgentProcess.fleetdPath, ["--sources", "proxmox,libvirtd"] + common)
        #expect(unknown.status == 2 && unknown.stderr.contains("sources: 'libvirtd' is not one of sockets, proxmox"), "\(unknown.stderr)")
        let noConfigs = try runProcess(
            AgentProcess.fleetdPath, ["--sources", "proxmox", "--proxmox-dir", directory, "--proxmox-config-dir", directory + "/conf"] + common)
        #expect(noConfigs.status == 1 && noConfigs.stderr.contains("Proxmox config directory"), "\(noConfigs.stderr)")
    }
}
