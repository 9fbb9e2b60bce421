import Foundation
import FleetTestSupport
import Testing

/// fleetd killed with SIGKILL at random moments, 50 times, while execs are in flight and
/// simulated guests' inventory keeps changing: after every kill the database passes
/// `PRAGMA integrity_check` and holds every exec fleetctl was given an id for; restarted the
/// last time, fleetd finishes every one of them and every VM is responsive again.
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    @Test("50 SIGKILLs under load: integrity, no acknowledged exec lost, resumes")
    func killedFiftyTimes() throws {
        let fleet = try FleetFixture(fleetAgents: ["vm1", "vm2"], qemuGA: nil)
        // Healthy simulated guests whose inventory changes every couple of seconds.
        let (sim, readyLine) = try fleet.launchFleetSim(["--count", "20", "--churn-seconds", "2"])
        defer {
            kill(sim.processIdentifier, SIGTERM)
            sim.waitUntilExit()
        }
        #expect(readyLine.hasPrefix("ready 20"), "\(readyLine)")
        let fast = ["--inventory-network-seconds", "1", "--inventory-filesystems-seconds", "1", "--inventory-users-seconds", "1",
                    "--inventory-clock-seconds", "1", "--inventory-host-name-seconds", "1"]

        var generator = SystemRandomNumberGenerator()
        var acknowledged: [Int: String] = [:]  // exec id → the text it prints
        for round in 1...50 {
            try fleet.startFleetd(extraArguments: fast)
            for vm in ["vm1", "vm2"] {
                let text = "round \(round) on \(vm)"
                let submitted = try fleet.fleetctl(["exec", vm, "--detach", "--", "/bin/sh", "-c", "sleep 0.3; echo '\(text)'"])
                if submitted.status == 0, let id = Int(submitted.text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    acknowledged[id] = text
                }
            }
            usleep(UInt32.random(in: 0...800_000, using: &generator))
            fleet.killFleetd()
            let check = try Self.inspect(fleet.database)
            #expect(check.integrity == "ok", "round \(round): integrity_check says \(check.integrity)")
            let lost = Set(acknowledged.keys).subtracting(check.execIDs)
            #expect(lost.isEmpty, "round \(round): acknowledged execs missing after SIGKILL: \(lost.sorted())")
        }
        #expect(acknowledged.count >= 90, "most submissions were acknowledged (\(acknowledged.count))")

        // Restarted for good: every acknowledged exec runs to the end, exactly as asked — except
        // one a kill caught between sending guest-exec and storing the guest's pid, which the
        // ledger marks lost (saying why) rather than risk running it twice, and one whose result
        // the agent handed over just before the kill (an agent reports an exited exec once).
        try fleet.startFleetd(extraArguments: fast)
        try fleet.waitFor(["vm1", "vm2"] + (1...20).map { String(format: "vm-%05d", $0) }, state: "responsive", timeout: 60)
        var lostInFlight = 0
        for (id, text) in acknowledged.sorted(by: { $0.key < $1.key }) {
            let shown = try #require(try fleet.json(["exec", "show", "\(id)", "--wait", "60"]) as? [String: Any])
            if shown["state"] as? String == "lost" {
                lostInFlight += 1
                let why = shown["error"] as? String ?? ""
                #expect(why.contains("guest pid is unknown") || why.contains("forgets an exec once its result was read"),
                        "exec \(id): \(shown)")
                continue
            }
            #expect(shown["state"] as? String == "exited" && shown["exitCode"] as? Int == 0, "exec \(id): \(shown)")
            #expect(shown["stdout"] as? String == Data("\(text)\n".utf8).base64EncodedString(), "exec \(id) output")
        }
        #expect(lostInFlight <= 3, "\(lostInFlight) execs caught between send and pid, or between result and store")
    }

    /// integrity_check and the exec ids, read by an independent SQLite (Python's).
    static func inspect(_ database: String) throws -> (integrity: String, execIDs: Set<Int>) {
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            print(db.execute("PRAGMA integrity_check").fetchone()[0])
            print(" ".join(str(r[0]) for r in db.execute("SELECT id FROM exec")))
            """
        let result = try runProcess("/usr/bin/python3", ["-c", script, database])
        let lines = result.text.split(separator: "\n", omittingEmptySubsequences: false)
        guard result.status == 0, lines.count >= 2 else { throw TestFailure("cannot read \(database): \(result.stderr)") }
        return (String(lines[0]), Set(lines[1].split(separator: " ").compactMap { Int($0) }))
    }
}
