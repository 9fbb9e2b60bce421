import FleetTestSupport
import Foundation
import Testing

/// The operate tier's actions, against a scripted guest (they would act on this machine if
/// sent to a real agent here): what reached the guest, what fleetctl printed, what fleetd
/// recorded (state, audit).
@Suite("fleetctl actions", .serialized)
struct ActionTests {
    @Test("ping, freeze (status, list), thaw, fstrim, set-time, shutdown, reboot; audited")
    func actions() throws {
        let fleet = try FleetFixture(fleetAgents: [], qemuGA: nil)
        let guest = ScriptedGuest()
        try fleet.addScripted("guest", respond: guest.respond)
        try fleet.startFleetd()
        try fleet.waitFor(["guest"], state: "responsive")

        let ping = try fleet.fleetctl(["ping", "guest"])
        #expect(ping.status == 0 && ping.text.contains("agent answered in"))

        // fleetd's own freeze carries a deadline (freeze.thawAfterSeconds, 10 min by default).
        let frozen = try fleet.fleetctl(["freeze", "guest"])
        #expect(frozen.status == 0 && frozen.text.hasPrefix("guest: froze 2 filesystems; fleetd thaws it at "), "\(frozen.stderr)")
        // (Rounded to minutes as the seconds tick: 10m, or 9m on a slow machine.)
        #expect(["10m", "9m"].contains { frozen.text.hasSuffix(" (in \($0)) unless extended (--extend SECONDS)\n") }, "\(frozen.text)")
        try fleet.waitFor(["guest"], state: "frozen", timeout: 5)
        #expect(try fleet.fleetctl(["freeze", "--status", "guest"]).text == "guest: frozen\n")
        let extended = try fleet.fleetctl(["freeze", "guest", "--extend", "3600"])
        #expect(extended.status == 0 && ["1h", "59m"].contains { extended.text.hasSuffix(" (in \($0)) unless extended again\n") }, "\(extended.text)\(extended.stderr)")
        let thawed = try fleet.fleetctl(["thaw", "guest"])
        #expect(thawed.text == "guest: thawed 2 filesystems\n")
        try fleet.waitFor(["guest"], state: "responsive", timeout: 5)
        // Nothing to extend once thawed: exit 6, saying why.
        let notFrozen = try fleet.fleetctl(["freeze", "guest", "--extend", "60"])
        #expect(notFrozen.status == 6 && notFrozen.stderr.contains("it is not frozen (responsive)"), "\(notFrozen.stderr)")
        let list = try fleet.fleetctl(["freeze", "guest", "--mountpoint", "/data", "--thaw-after", "900"])
        #expect(list.text.hasPrefix("guest: froze 1 filesystem; fleetd thaws it at ") && ["15m", "14m"].contains { list.text.contains(" (in \($0)) ") }, "\(list.text)")
        #expect(guest.requests("guest-fsfreeze-freeze-list").first?["arguments"]?["mountpoints"] == ["/data"])
        _ = try fleet.fleetctl(["thaw", "guest"])

        let trim = try Parsers.csv(try fleet.fleetctl(["fstrim", "guest", "--minimum", "65536", "--format", "csv"]).text)
        #expect(trim.map { $0["path"] } == ["/", "/boot"])
        #expect(trim[0]["trimmed"] == "4096" && trim[0]["minimum"] == "65536" && trim[1]["error"] == "Operation not supported")

        let before = Int64(Date().timeIntervalSince1970 * 1e9)
        let setTime = try fleet.fleetctl(["set-time", "guest"])
        let after = Int64(Date().timeIntervalSince1970 * 1e9)
        #expect(setTime.status == 0 && setTime.text.contains("clock set to"))
        let sent = try #require(guest.requests("guest-set-time").last?["arguments"]?["time"]?.int64Value)
        #expect(sent >= before && sent <= after, "the host's clock at the moment of sending")
        _ = try fleet.fleetctl(["set-time", "guest", "--time", "2030-01-02T03:04:05Z"])
        #expect(guest.requests("guest-set-time").last?["arguments"]?["time"]?.int64Value == 1_893_553_445_000_000_000)
        _ = try fleet.fleetctl(["set-time", "guest", "--from-hardware-clock"])
        #expect(guest.requests("guest-set-time").last?["arguments"]?["time"] == nil)

        let shutdown = try fleet.fleetctl(["shutdown", "guest"])
        #expect(shutdown.status == 0 && shutdown.text == "guest: powerdown requested\n", "\(shutdown.stderr)")
        let reboot = try fleet.fleetctl(["reboot", "guest"])
        #expect(reboot.status == 0)
        #expect(guest.requests("guest-shutdown").map { $0["arguments"]?["mode"] } == ["powerdown", "reboot"])

        // Admin actions that would change this machine's accounts: also only to the scripted guest.
        let password = try fleet.fleetctl(["password", "guest", "alice"], input: Data("s3cret\n".utf8))
        #expect(password.status == 0 && password.text == "guest: password of alice set\n", "\(password.stderr)")
        let sentPassword = guest.requests("guest-set-user-password").last?["arguments"]
        #expect(sentPassword?["username"] == "alice" && sentPassword?["crypted"] == false)
        #expect(sentPassword?["password"]?.stringValue.flatMap { Data(base64Encoded: $0) } == Data("s3cret".utf8))
        let keys = try fleet.fleetctl(["ssh-keys", "guest", "alice"])
        #expect(keys.text == "ssh-ed25519 AAAAC3Nza first@host\n")
        let added = try fleet.fleetctl(["ssh-keys", "guest", "alice", "--add", "ssh-ed25519 AAAA new@host", "--remove", "ssh-rsa AAAA old@host"])
        #expect(added.status == 0)
        #expect(guest.requests("guest-ssh-add-authorized-keys").last?["arguments"]?["keys"] == ["ssh-ed25519 AAAA new@host"])
        #expect(guest.requests("guest-ssh-remove-authorized-keys").last?["arguments"]?["keys"] == ["ssh-rsa AAAA old@host"])

        // Each action is in the audit log, as root (uid 0), with its outcome.
        let audit = try #require(try fleet.json(["audit", "--limit", "50"]) as? [[String: Any]])
        let actions = audit.compactMap { $0["action"] as? String }
        for action in ["pingVM", "freezeVM", "thawVM", "getFreezeStatus", "fstrimVM", "setTime", "shutdownVM", "setPassword", "getSSHKeys", "changeSSHKeys"] {
            #expect(actions.contains(action), "\(action) not audited")
        }
        #expect(audit.filter { $0["action"] as? String == "shutdownVM" }.allSatisfy { $0["uid"] as? Int == 0 && $0["outcome"] as? String == "202" && $0["vm"] as? String == "guest" })
        #expect(!actions.contains("getStatus"), "reads are not audited")

        // /metrics: VMs by state and heartbeats.
        let metrics = try fleet.fleetctl(["metrics"]).text
        #expect(metrics.contains(#"fleet_vms{state="responsive"} 1"#))
        #expect(metrics.contains("fleet_heartbeat_rtt_seconds_count"))
    }
}
