import FleetTestSupport
import Foundation
import Testing

/// Errors a person can act on, each with its exit status; the permission tiers with real
/// non-root users (setpriv).
@Suite("fleetctl errors and tiers", .serialized)
struct ErrorTests {
    @Test("fleetd not running: says which socket was tried")
    func notRunning() throws {
        let directory = try makeTemporaryDirectory("nofleetd")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = directory + "/fleetd.sock"
        let result = try runProcess(FleetFixture.fleetctlPath, ["status"], environment: ["FLEET_SOCKET": socket])
        #expect(result.status == 3)
        #expect(result.stderr.contains("fleetd is not running") && result.stderr.contains(socket))
        // The flag wins over the variable.
        let flagged = try runProcess(FleetFixture.fleetctlPath, ["list", "--socket", socket + ".other"], environment: ["FLEET_SOCKET": socket])
        #expect(flagged.stderr.contains(socket + ".other"))
        // A socket file nobody listens on (a fleetd that died) is "not running" too.
        let stale = try UnixSocket.listen(at: socket)
        close(stale)
        #expect(try runProcess(FleetFixture.fleetctlPath, ["status", "--socket", socket]).status == 3)
    }

    @Test("a stale control socket is replaced; a live one is never taken over")
    func controlSocketOnStart() throws {
        let fleet = try FleetFixture(fleetAgents: [], qemuGA: nil)
        let stale = try UnixSocket.listen(at: fleet.controlSocket)  // a fleetd that died left this
        close(stale)
        try fleet.startFleetd()
        #expect(try fleet.fleetctl(["status"]).status == 0)
        // A second fleetd on the same control socket refuses to start and leaves the first alone.
        let second = try runProcess(
            AgentProcess.fleetdPath,
            ["--socket-dir", fleet.socketDirectory, "--database", fleet.directory.appendingPathComponent("other.db").path,
             "--control-socket", fleet.controlSocket])
        #expect(second.status != 0 && second.stderr.contains("in use"), "\(second.stderr)")
        #expect(try fleet.fleetctl(["status"]).status == 0)
    }

    @Test("unknown VM suggests close names; unreachable VM says since when")
    func unknownAndUnreachable() throws {
        let fleet = try FleetFixture(fleetAgents: ["web-1", "web-2", "db"], qemuGA: nil)
        try fleet.startFleetd()
        try fleet.waitFor(fleet.vmNames, state: "responsive")
        let unknown = try fleet.fleetctl(["show", "web1"])
        #expect(unknown.status == 5)
        #expect(unknown.stderr.contains("no VM named 'web1'") && unknown.stderr.contains("'web-1'"))
        let far = try fleet.fleetctl(["ping", "zzzzzzzz"])
        #expect(far.status == 5 && !far.stderr.contains("did you mean"))

        // A stopped agent: unresponsive after missed heartbeats; actions say so, with the time.
        let agent = try #require(fleet.agents["db"])
        kill(agent.process.processIdentifier, SIGSTOP)
        defer { kill(agent.process.processIdentifier, SIGCONT) }
        try fleet.waitFor(["db"], state: "unresponsive", timeout: 20)
        // status lists the VMs that need attention: this one, not the responsive ones.
        let status = try fleet.fleetctl(["status"])
        #expect(status.text.hasPrefix("3 VMs: 2 responsive, 1 unresponsive\n"), "\(status.text)")
        #expect(status.text.contains("\ndb ") && !status.text.contains("web-1"))
        let limited = try #require(try fleet.json(["status", "--limit", "0"]) as? [String: Any])
        #expect((limited["vms"] as? [Any])?.isEmpty == true && limited["omitted"] as? Int == 1)
        let ping = try fleet.fleetctl(["ping", "db"])
        #expect(ping.status == 6)
        #expect(ping.stderr.contains("is unresponsive since") && ping.stderr.contains("heartbeats missed"), "\(ping.stderr)")
        let exec = try fleet.fleetctl(["exec", "db", "--detach", "--", "/bin/true"])
        #expect(exec.status == 0, "an exec for an unreachable VM is recorded and waits: \(exec.stderr)")
        kill(agent.process.processIdentifier, SIGCONT)
        try fleet.waitFor(["db"], state: "responsive", timeout: 20)
        let id = try #require(Int(exec.text.trimmingCharacters(in: .whitespacesAndNewlines)))
        let done = try #require(try fleet.json(["exec", "show", "\(id)", "--wait", "20"]) as? [String: Any])
        #expect(done["state"] as? String == "exited", "the queued exec ran once the VM came back")
    }

    @Test("tiers from peer credentials: none, read, operate, admin; refusals audited")
    func tiers() throws {
        let fleet = try FleetFixture(fleetAgents: ["vm1"], qemuGA: nil)
        try fleet.startFleetd()
        try fleet.waitFor(["vm1"], state: "responsive")
        let socket = try FileManager.default.attributesOfItem(atPath: fleet.controlSocket)
        #expect((socket[.posixPermissions] as? Int) == 0o660)
        #expect((socket[.groupOwnerAccountID] as? UInt32) == FleetFixture.readGroup)

        let stranger: (uid: UInt32, gid: UInt32, groups: [UInt32]) = (4242, 4242, [])
        let denied = try fleet.fleetctl(["status"], asUser: stranger)
        #expect(denied.status == 4)
        #expect(denied.stderr.contains("permission denied opening \(fleet.controlSocket)"))

        let reader: (uid: UInt32, gid: UInt32, groups: [UInt32]) = (4243, 4243, [FleetFixture.readGroup])
        #expect(try fleet.fleetctl(["status"], asUser: reader).status == 0)
        #expect(try fleet.fleetctl(["whoami"], asUser: reader).text == "uid 4243, gid 4243: read\n")
        let readerPing = try fleet.fleetctl(["ping", "vm1"], asUser: reader)
        #expect(readerPing.status == 4 && readerPing.stderr.contains("needs the operate tier"))

        let operator_: (uid: UInt32, gid: UInt32, groups: [UInt32]) = (4244, 4244, [FleetFixture.readGroup, FleetFixture.operateGroup])
        #expect(try fleet.fleetctl(["ping", "vm1"], asUser: operator_).status == 0)
        let operatorExec = try fleet.fleetctl(["exec", "vm1", "--", "/bin/true"], asUser: operator_)
        #expect(operatorExec.status == 125 && operatorExec.stderr.contains("needs the admin tier"))
        let operatorAudit = try fleet.fleetctl(["audit"], asUser: operator_)
        #expect(operatorAudit.status == 4)

        let admin = try fleet.fleetctl(["exec", "vm1", "--", "/usr/bin/id", "-u"])
        #expect(admin.status == 0 && admin.text == "0\n", "root is admin; the agent runs as root here")

        let audit = try #require(try fleet.json(["audit"]) as? [[String: Any]])
        #expect(audit.contains { $0["uid"] as? Int == 4243 && $0["action"] as? String == "pingVM" && $0["outcome"] as? String == "403" })
        #expect(audit.contains { $0["uid"] as? Int == 4244 && $0["action"] as? String == "pingVM" && $0["outcome"] as? String == "200" })
        #expect(audit.contains { $0["uid"] as? Int == 4244 && $0["action"] as? String == "startExec" && $0["outcome"] as? String == "403" })
        let execs = try #require(try fleet.json(["exec", "list"]) as? [[String: Any]])
        #expect(execs.count == 1 && execs.first?["requestedByUid"] as? Int == 0, "the refused exec was never recorded or run")
    }
}
