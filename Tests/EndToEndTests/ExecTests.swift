import FleetTestSupport
import Foundation
import Testing

/// exec (one VM, many, detached, with input), the ledger, guest files and raw agent commands.
@Suite("fleetctl exec and admin", .serialized)
struct ExecTests {
    @Test("exec prints stdout and stderr as they were and exits with the guest's status")
    func execOne() throws {
        let fleet = try FleetFixture()
        try fleet.startFleetd()
        try fleet.waitFor(fleet.vmNames, state: "responsive")

        for vm in fleet.vmNames {
            let run = try fleet.fleetctl(["exec", vm, "--", "/bin/sh", "-c", "printf 'out\\n'; printf 'err\\n' >&2; exit 3"])
            #expect(run.status == 3, "\(vm): \(run.stderr)")
            #expect(run.text == "out\n")
            #expect(run.stderr == "err\n")
        }
        let signalled = try fleet.fleetctl(["exec", "vm1", "--", "/bin/sh", "-c", "kill -TERM $$"])
        #expect(signalled.status == 128 + 15)

        let script = fleet.directory.appendingPathComponent("input.txt")
        try Data("line one\nline two\n".utf8).write(to: script)
        let fed = try fleet.fleetctl(["exec", "vm1", "--input", script.path, "--", "/usr/bin/wc", "-l"])
        #expect(fed.status == 0 && fed.text.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        let piped = try fleet.fleetctl(["exec", "vm1", "--input", "-", "--", "/bin/cat"], input: Data("from stdin".utf8))
        #expect(piped.text == "from stdin")
        let env = try fleet.fleetctl(["exec", "vm2", "--env", "GREETING=hello", "--", "/bin/sh", "-c", "echo $GREETING"])
        #expect(env.text == "hello\n")

        let timedOut = try fleet.fleetctl(["exec", "vm1", "--timeout", "1", "--", "/bin/sleep", "30"])
        #expect(timedOut.status == 124 && timedOut.stderr.contains("timed out"))

        let missing = try fleet.fleetctl(["exec", "vm1", "--", "/no/such/program"])
        #expect(missing.status == 125 || missing.status == 127, "\(missing.status): \(missing.stderr)")

        // Detached: the id, then the ledger has the outcome.
        let detached = try fleet.fleetctl(["exec", "vm2", "--detach", "--", "/bin/echo", "later"])
        let id = try #require(Int(detached.text.trimmingCharacters(in: .whitespacesAndNewlines)))
        let shown = try #require(try fleet.json(["exec", "show", "\(id)", "--wait", "20"]) as? [String: Any])
        #expect(shown["state"] as? String == "exited" && shown["exitCode"] as? Int == 0)
        #expect(shown["stdout"] as? String == Data("later\n".utf8).base64EncodedString())
        let human = try fleet.fleetctl(["exec", "show", "\(id)"])
        #expect(human.text.contains("--- stdout ---\nlater\n"))

        let ledger = try #require(try fleet.json(["exec", "list", "--vm", "vm1"]) as? [[String: Any]])
        #expect(ledger.count >= 5 && ledger.allSatisfy { $0["vm"] as? String == "vm1" })
        let ids = ledger.compactMap { $0["id"] as? Int }
        #expect(ids == ids.sorted(by: >), "newest first")
        let csv = try Parsers.csv(try fleet.fleetctl(["exec", "list", "--format", "csv"]).text)
        #expect(csv.contains { $0["id"] == "\(id)" && $0["state"] == "exited" })
    }

    @Test("exec --all and --filter: one row per VM")
    func execMany() throws {
        let fleet = try FleetFixture()
        try fleet.startFleetd()
        try fleet.waitFor(fleet.vmNames, state: "responsive")
        let all = try fleet.fleetctl(["exec", "--all", "--format", "json", "--", "/bin/sh", "-c", "echo hi; exit 0"])
        #expect(all.status == 0, "\(all.stderr)")
        let rows = try #require(try Parsers.json(all.stdout) as? [[String: Any]])
        #expect(rows.compactMap { $0["vm"] as? String }.sorted() == fleet.vmNames)
        #expect(rows.allSatisfy { $0["exitCode"] as? Int == 0 && $0["stdout"] as? String == "hi" })

        let some = try fleet.fleetctl(["exec", "--filter", "name=vm*", "--format", "csv", "--", "/bin/false"])
        #expect(some.status == 1)
        let csv = try Parsers.csv(some.text)
        #expect(csv.map { $0["vm"] ?? "" }.sorted() == ["vm1", "vm2"])
        #expect(csv.allSatisfy { $0["exitCode"] == "1" })
    }

    @Test("file get and put; raw agent commands with return and error replies")
    func filesAndRaw() throws {
        let fleet = try FleetFixture()
        try fleet.startFleetd()
        try fleet.waitFor(fleet.vmNames, state: "responsive")
        let osRelease = try Data(contentsOf: URL(fileURLWithPath: "/etc/os-release"))
        for vm in fleet.vmNames {
            let got = try fleet.fleetctl(["file", "get", vm, "/etc/os-release"])
            #expect(got.status == 0 && got.stdout == osRelease, "\(vm): \(got.stderr)")
        }
        let target = fleet.directory.appendingPathComponent("written.bin").path
        let payload = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let put = try fleet.fleetctl(["file", "put", "vm1", target, "--input", "-"], input: payload)
        #expect(put.status == 0 && put.text.contains("wrote 300000 bytes"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == payload)
        let back = try fleet.fleetctl(["file", "get", "vm2", target])
        #expect(back.stdout == payload)
        let capped = try fleet.fleetctl(["file", "get", "vm2", target, "--max-bytes", "1000"])
        #expect(capped.stdout == payload.prefix(1000) && capped.stderr.contains("longer than 1000"))
        let absent = try fleet.fleetctl(["file", "get", "vm1", "/no/such/file"])
        #expect(absent.status == 7 && absent.stderr.contains("No such file"))

        let before = Date().timeIntervalSince1970
        let time = try fleet.fleetctl(["agent", "qga1", #"{"execute":"guest-get-time"}"#])
        let reply = try #require(try Parsers.json(time.stdout) as? [String: Any])
        let nanoseconds = try #require(reply["return"] as? Int)
        #expect(abs(Double(nanoseconds) / 1e9 - before) < 30)
        let withArguments = try fleet.fleetctl(["agent", "vm1", #"{"execute":"guest-sync","arguments":{"id":9007199254740993}}"#])
        #expect(withArguments.text.contains("9007199254740993"), "64-bit ids survive the trip: \(withArguments.text)")
        let unknown = try fleet.fleetctl(["agent", "vm2", #"{"execute":"guest-no-such-command"}"#])
        #expect(unknown.status == 7)
        let error = try #require((try Parsers.json(unknown.stdout) as? [String: Any])?["error"] as? [String: Any])
        #expect(error["class"] as? String == "CommandNotFound")
        let malformed = try fleet.fleetctl(["agent", "vm1", "not json"])
        #expect(malformed.status != 0 && malformed.stderr.contains("JSON object"))
    }
}
