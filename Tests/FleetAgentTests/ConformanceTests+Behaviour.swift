import FleetTestSupport
import Foundation
import QGA
import Testing

/// Conformance with qemu-ga 7.2, continued: exec, framing under odd writes, RPC policy, the frozen
/// marker, one client at a time, and the command line.
extension ConformanceTests {
    @Test("exec sequence: capture, exit codes, signals, stdin, env, forgetting after exit")
    func exec() throws {
        let pair = try Pair()
        defer { pair.stop() }
        for arguments in [
            #"{"path":"true","capture-output":true}"#,
            #"{"path":"true"}"#,
            #"{"path":"sh","arg":["-c","echo out; echo err >&2; exit 3"],"capture-output":true}"#,
            #"{"path":"sh","arg":["-c","echo only-err >&2"],"capture-output":true}"#,
            #"{"path":"sh","arg":["-c","kill -9 $$"],"capture-output":true}"#,
            #"{"path":"cat","input-data":"aGVsbG8gc3RkaW4=","capture-output":true}"#,
            #"{"path":"sh","arg":["-c","echo $FOO"],"env":["FOO=bar"],"capture-output":true}"#,
            #"{"path":"sh","arg":["-c","head -c 17000000 /dev/zero"],"capture-output":true}"#,
        ] {
            let results = [pair.q, pair.f].map { client -> (JSONValue?, JSONValue?) in
                guard let started = client.call(#"{"execute":"guest-exec","arguments":\#(arguments)}"#),
                      let pid = started["return"]?["pid"]?.int64Value else { return (nil, nil) }
                var status: JSONValue?
                for _ in 0..<500 {
                    status = client.call(#"{"execute":"guest-exec-status","arguments":{"pid":\#(pid)}}"#, timeout: 30)
                    if status?["return"]?["exited"] == true { break }
                    usleep(10_000)
                }
                let again = client.call(#"{"execute":"guest-exec-status","arguments":{"pid":\#(pid)}}"#)
                return (status, again)
            }
            #expect(Bool(results[0].0 != nil && results[0].0 == results[1].0),
                    "\(arguments)\n qemu-ga:     \(results[0].0.map(Self.describe) ?? "-")\n fleet-agent: \(results[1].0.map(Self.describe) ?? "-")")
            #expect(Bool(results[0].1 == results[1].1), "status after exit: \(String(describing: results[0].1)) vs \(String(describing: results[1].1))")
        }
    }

    @Test("byte-at-a-time writes and several requests in one write")
    func framing() throws {
        let pair = try Pair()
        defer { pair.stop() }
        for byte in Array(#"{"execute":"guest-sync","arguments":{"id":123456789012345},"id":"slow"}"#.utf8) {
            pair.q.send([byte])
            pair.f.send([byte])
            usleep(500)
        }
        let a = pair.q.readReply(), b = pair.f.readReply()
        #expect(a != nil && a == b)
        let burst = String(repeating: #"{"execute":"guest-ping"}"#, count: 50) + #"{"execute":"guest-sync-delimited","arguments":{"id":7}}"#
        pair.q.send(burst)
        pair.f.send(burst)
        for _ in 0..<50 {
            let x = pair.q.readReply(), y = pair.f.readReply()
            #expect(x == ["return": [:]] && x == y)
        }
        let qLine = pair.q.readLine(), fLine = pair.f.readLine()
        #expect(qLine?.first == 0xFF)
        #expect(qLine == fLine, "sync-delimited bytes differ")
    }

    @Test("blocked and allowed RPCs")
    func blocked() throws {
        let pair = try Pair(arguments: ["-b", "guest-ping,guest-get-osinfo,not-a-command"])
        defer { pair.stop() }
        pair.expectSame(#"{"execute":"guest-ping","id":1}"#)
        pair.expectSame(#"{"execute":"guest-get-osinfo"}"#)
        pair.expectSame(#"{"execute":"guest-get-host-name"}"#)
        pair.expectSame(#"{"execute":"not-a-command"}"#)
    }

    @Test("an agent that starts with the frozen marker starts frozen; thaw releases it")
    func frozenMarker() throws {
        let pair = try Pair { directory in
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("state/qga.state.isfrozen").path, contents: nil)
        }
        defer { pair.stop() }
        for request in [
            #"{"execute":"guest-fsfreeze-status"}"#, #"{"execute":"guest-ping"}"#,
            #"{"execute":"guest-get-time"}"#, #"{"execute":"guest-exec","arguments":{"path":"true"}}"#,
            #"{"execute":"guest-file-open","arguments":{"path":"/etc/hostname"}}"#,
            #"{"execute":"guest-sync","arguments":{"id":5}}"#,
        ] {
            pair.expectSame(request)
        }
        let (ia, ib) = pair.exchange(#"{"execute":"guest-info"}"#)
        let enabled = { (v: JSONValue?) in Set(v?["return"]?["supported_commands"]?.arrayValue?.filter { $0["enabled"] == true }.compactMap { $0["name"]?.stringValue } ?? []) }
        #expect(enabled(ia) == enabled(ib))
        // Thawing a filesystem that is not frozen is harmless (FITHAW fails with EINVAL).
        pair.expectSame(#"{"execute":"guest-fsfreeze-thaw"}"#)
        pair.expectSame(#"{"execute":"guest-fsfreeze-status"}"#)
        pair.expectSame(#"{"execute":"guest-get-host-name"}"#)
        #expect(!FileManager.default.fileExists(atPath: pair.fleet.stateDirectory + "/qga.state.isfrozen"))
    }

    @Test("unix-listen serves one client at a time; the next is answered once the first leaves")
    func queuedClients() throws {
        for (name, path) in [("qemu-ga", AgentProcess.qemuGAPath), ("fleet-agent", AgentProcess.fleetAgentPath)] {
            let agent = try AgentProcess(executable: path, name: name)
            defer { agent.stop() }
            var first: QGAClient? = try agent.connect()
            let second = try agent.connect()
            second.send(#"{"execute":"guest-ping","id":"second"}"#)
            #expect(second.readReply(timeout: 0.5) == nil, "\(name) answered a queued client")
            #expect(first?.call(#"{"execute":"guest-ping","id":"first"}"#) == ["return": [:], "id": "first"])
            first = nil
            #expect(second.readReply(timeout: 5) == ["return": [:], "id": "second"], "\(name)")
        }
    }

    @Test("-D prints the same configuration; -b help lists every qemu-ga RPC")
    func commandLine() throws {
        guard AgentProcess.qemuGAInstalled else { throw TestFailure("qemu-ga is not installed") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-conf-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let conf = directory.appendingPathComponent("qemu-ga.conf").path
        try "[general]\nverbose=true\nblock-rpcs=guest-ping;guest-exec\nstatedir=/tmp/x\n".write(toFile: conf, atomically: true, encoding: .utf8)
        for arguments in [
            ["-D"],
            ["-m", "unix-listen", "-p", "/tmp/x.sock", "-b", "guest-ping,bogus", "-D"],
            ["-m", "isa-serial", "-l", "/tmp/l.log", "-F", "-D"],
            ["-m", "unix-listen", "-p", "/tmp/x.sock", "-F/x/hook", "-f", "/tmp/p.pid", "-r", "-d", "-D"],
            ["-vD", "-mvirtio-serial"],
            ["--method=unix-listen", "--path", "/tmp/y.sock", "--block-rpcs=a,b", "--dump-conf"],
        ] {
            for env in [["QGA_CONF": directory.appendingPathComponent("missing.conf").path], ["QGA_CONF": conf]] {
                let theirs = try runCommand(AgentProcess.qemuGAPath, arguments, environment: env)
                let ours = try runCommand(AgentProcess.fleetAgentPath, arguments, environment: env)
                #expect(theirs.status == ours.status, "\(arguments)")
                #expect(Bool(theirs.output == ours.output), "\(arguments) \(env)\n qemu-ga:\n\(theirs.output)\n fleet-agent:\n\(ours.output)")
            }
        }
        let theirs = Set(try runCommand(AgentProcess.qemuGAPath, ["-b", "help"]).output.split(separator: "\n"))
        let ours = Set(try runCommand(AgentProcess.fleetAgentPath, ["-b", "help"]).output.split(separator: "\n"))
        #expect(theirs.isSubset(of: ours), "missing: \(theirs.subtracting(ours))")
    }
}
