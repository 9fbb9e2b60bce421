import FleetTestSupport
import Foundation
import QGA
import Testing

/// fleet-agent against Debian's real qemu-ga 7.2: both started in unix-listen mode on temporary
/// sockets and state directories, both sent the same bytes, replies compared. Only commands that
/// are safe on this machine are sent (never freeze, trim, set-time, shutdown, suspend, set-vcpus,
/// set-memory-blocks, set-user-password or ssh key changes).
@Suite("Conformance with qemu-ga 7.2", .serialized)
struct ConformanceTests {
    struct Pair {
        let qemu: AgentProcess
        let fleet: AgentProcess
        let q: QGAClient
        let f: QGAClient

        init(arguments: [String] = [], environment: [String: String] = [:], prepare: (URL) throws -> Void = { _ in }) throws {
            guard AgentProcess.qemuGAInstalled else {
                throw TestFailure("qemu-ga is not installed: run ./scripts/test, which installs qemu-guest-agent")
            }
            qemu = try AgentProcess(executable: AgentProcess.qemuGAPath, name: "qemu-ga", extraArguments: arguments, environment: environment, prepare: prepare)
            fleet = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "fleet-agent", extraArguments: arguments, environment: environment, prepare: prepare)
            q = try qemu.connect()
            f = try fleet.connect()
        }

        /// Sends the same bytes to both and returns both replies.
        func exchange(_ bytes: [UInt8]) -> (JSONValue?, JSONValue?) {
            q.send(bytes)
            f.send(bytes)
            return (q.readReply(), f.readReply())
        }

        func exchange(_ text: String) -> (JSONValue?, JSONValue?) { exchange(Array(text.utf8)) }

        /// Both replies must be identical JSON values.
        func expectSame(_ request: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let (a, b) = exchange(request)
            #expect(a != nil, "qemu-ga gave no reply to \(request)", sourceLocation: sourceLocation)
            #expect(Bool(a == b), "\(request)\n qemu-ga:     \(a.map(describe) ?? "nothing")\n fleet-agent: \(b.map(describe) ?? "nothing")", sourceLocation: sourceLocation)
        }

        func expectSameShape(_ request: String, sourceLocation: SourceLocation = #_sourceLocation) -> (JSONValue, JSONValue)? {
            let (a, b) = exchange(request)
            guard let a, let b else {
                Issue.record("no reply to \(request): qemu-ga \(String(describing: a)), fleet-agent \(String(describing: b))", sourceLocation: sourceLocation)
                return nil
            }
            if let difference = JSONComparison.shapeDifference(a, b) {
                Issue.record("\(request): \(difference)\n qemu-ga:     \(describe(a))\n fleet-agent: \(describe(b))", sourceLocation: sourceLocation)
            }
            return (a, b)
        }

        func stop() {
            qemu.stop()
            fleet.stop()
        }
    }

    static func describe(_ value: JSONValue) -> String {
        let text = JSONWriter(style: .compact).string(value)
        return text.count > 600 ? String(text.prefix(600)) + "…" : text
    }

    @Test("read-only commands give the same values where both read the same machine")
    func machineFacts() throws {
        let pair = try Pair()
        defer { pair.stop() }
        for command in ["guest-ping", "guest-get-osinfo", "guest-get-host-name", "guest-get-timezone",
                        "guest-get-users", "guest-get-memory-block-info", "guest-fsfreeze-status", "guest-get-devices"] {
            pair.expectSame(#"{"execute":"\#(command)"}"#)
        }
        // Lists whose order the schema leaves open (qemu-ga builds them back to front).
        for (command, key) in [("guest-get-vcpus", "logical-id"), ("guest-get-memory-blocks", "phys-index")] {
            let (a, b) = pair.exchange(#"{"execute":"\#(command)"}"#)
            let x = a?["return"].map { JSONComparison.sorted($0, by: key) }
            let y = b?["return"].map { JSONComparison.sorted($0, by: key) }
            #expect(x != nil && Bool(x == y), "\(command)\n qemu-ga:     \(x.map(Self.describe) ?? "-")\n fleet-agent: \(y.map(Self.describe) ?? "-")")
        }
        pair.expectSame(#"{"execute":"guest-sync","arguments":{"id":-9223372036854775808}}"#)
        pair.expectSame(#"{"execute":"guest-sync","arguments":{"id":9223372036854775807},"id":"x"}"#)
        pair.expectSame(#"{"execute":"guest-ssh-get-authorized-keys","arguments":{"username":"root"}}"#)
        pair.expectSame(#"{"execute":"guest-ssh-get-authorized-keys","arguments":{"username":"no-such-user-x"}}"#)
    }

    @Test("network interfaces: same names, addresses and MACs; counters have the same shape")
    func interfaces() throws {
        let pair = try Pair()
        defer { pair.stop() }
        guard let (a, b) = pair.expectSameShape(#"{"execute":"guest-network-get-interfaces"}"#) else { return }
        #expect(Bool(JSONComparison.removing(a, members: ["statistics"]) == JSONComparison.removing(b, members: ["statistics"])), "\(Self.describe(a))\n\(Self.describe(b))")
    }

    @Test("filesystems and disks: same devices, mount points, addresses and sizes")
    func filesystems() throws {
        let pair = try Pair()
        defer { pair.stop() }
        // fleet-agent reports the serial the kernel exposes (/sys/block/X/serial); qemu-ga
        // reads it from udev's database, which this machine does not run. Usage moves as
        // other processes write, so it is compared by shape.
        let (fa, ff) = pair.exchange(#"{"execute":"guest-get-fsinfo"}"#)
        let unstable: Set<String> = ["serial", "used-bytes", "total-bytes"]
        #expect(Bool(fa.map { JSONComparison.removing($0, members: unstable) } == ff.map { JSONComparison.removing($0, members: unstable) }),
                "\(fa.map(Self.describe) ?? "-")\n\(ff.map(Self.describe) ?? "-")")
        let (da, db) = pair.exchange(#"{"execute":"guest-get-disks"}"#)
        #expect(Bool(da.map { JSONComparison.removing($0, members: ["serial"]) } == db.map { JSONComparison.removing($0, members: ["serial"]) }),
                "\(da.map(Self.describe) ?? "-")\n\(db.map(Self.describe) ?? "-")")
        if let (sa, sb) = pair.expectSameShape(#"{"execute":"guest-get-diskstats"}"#) {
            let identity: Set<String> = ["stats"]
            #expect(Bool(JSONComparison.sorted(JSONComparison.removing(sa, members: identity), by: "name")
                == JSONComparison.sorted(JSONComparison.removing(sb, members: identity), by: "name")))
        }
        if let (ca, cb) = pair.expectSameShape(#"{"execute":"guest-get-cpustats"}"#) {
            #expect(ca.arrayValue?.compactMap { $0["cpu"] } == cb.arrayValue?.compactMap { $0["cpu"] })
        }
        if let (ta, tb) = pair.expectSameShape(#"{"execute":"guest-get-time"}"#),
            let x = ta["return"]?.int64Value, let y = tb["return"]?.int64Value {
            #expect(abs(x - y) < 5_000_000_000)
        }
    }

    @Test("guest-info: every qemu-ga command is listed with the same flags")
    func agentInfo() throws {
        let pair = try Pair(arguments: ["-b", "guest-get-time,guest-exec"])
        defer { pair.stop() }
        let (a, b) = pair.exchange(#"{"execute":"guest-info"}"#)
        let theirs = try #require(a?["return"]?["supported_commands"]?.arrayValue)
        let ours = try #require(b?["return"]?["supported_commands"]?.arrayValue)
        let byName = Dictionary(uniqueKeysWithValues: ours.compactMap { entry in entry["name"]?.stringValue.map { ($0, entry) } })
        for entry in theirs {
            let name = try #require(entry["name"]?.stringValue)
            #expect(byName[name] == entry, "\(name): qemu-ga \(Self.describe(entry)), fleet-agent \(byName[name].map(Self.describe) ?? "missing")")
        }
        pair.expectSame(#"{"execute":"guest-get-time"}"#)
        pair.expectSame(#"{"execute":"guest-exec","arguments":{"path":"true"}}"#)
    }

    static let malformedInputs: [[UInt8]] = [
        Array(#"{"execute":"guest-ping",}"#.utf8),
        Array(#"{"execute":"guest-ping","id":007}"#.utf8),
        Array(#"{"execute":"guest-ping","id":"\q"}"#.utf8),
        Array(#"{"execute":"guest-ping","id":"\ud800"}"#.utf8),
        Array(#"{"execute":"guest-ping","id":1,"id":2}"#.utf8),
        Array(#"{"execute" "guest-ping"}"#.utf8),
        Array(#"{1:2}"#.utf8),
        Array(#"[1 2]"#.utf8),
        Array(#"[1,2]"#.utf8),
        Array("42 ".utf8),
        Array(#""s""#.utf8),
        Array("oops ".utf8),
        Array(#"{"foo":1}"#.utf8),
        Array(#"{"execute":42,"id":5}"#.utf8),
        Array(#"{"execute":"guest-ping","arguments":[],"id":5}"#.utf8),
        Array(#"{"exec-oob":"guest-ping","id":5}"#.utf8),
        Array(#"{"arguments":{},"id":[1]}"#.utf8),
        Array(#"{"execute":"guest-nonexistent","id":{"a":null}}"#.utf8),
        [0xFF] + Array(#"{"execute":"guest-ping"}"#.utf8),
        Array(#"{"id":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
        Array(#"{"execute":"guest-ping","id":"\u00e9\ud83d\ude00\u0001"}"#.utf8),
        Array(#"{'execute':'guest-ping','id':'a\'b'}"#.utf8),
        Array(#"{"execute":"guest-ping","id":18446744073709551615}"#.utf8),
        Array(#"{"execute":"guest-ping","id":-9223372036854775808}"#.utf8),
        Array(#"{"execute":"guest-ping","id":0.1}"#.utf8),
        // From fuzz-dispatcher: an id written with an exponent comes back as qemu-ga's %.17g
        // writes it (2e2 as 200), on success and on error alike.
        Array(#"{"execute":"guest-ping","id":2e2}"#.utf8),
        Array(#"{"execuet": "g", "id": 2e2}"#.utf8),
        Array(#"{"execute":"guest-ping","id":-1.5E-7}"#.utf8),
    ]

    @Test("malformed input, envelope errors, id echo and 0xFF recovery", arguments: malformedInputs)
    func malformed(_ input: [UInt8]) throws {
        let pair = try Pair()
        defer { pair.stop() }
        pair.q.send(input)
        pair.f.send(input)
        // Each input yields one or two replies; a ping after it must work on both.
        pair.q.send(#"{"execute":"guest-ping","id":"after"}"#)
        pair.f.send(#"{"execute":"guest-ping","id":"after"}"#)
        var theirs: [JSONValue] = []
        var ours: [JSONValue] = []
        while let reply = pair.q.readReply(timeout: 3) {
            theirs.append(reply)
            if reply["id"] == "after" { break }
        }
        while let reply = pair.f.readReply(timeout: 3) {
            ours.append(reply)
            if reply["id"] == "after" { break }
        }
        #expect(theirs.last?["id"] == "after")
        #expect(Bool(theirs == ours), "\(String(decoding: input, as: UTF8.self))\n qemu-ga:     \(theirs.map(Self.describe))\n fleet-agent: \(ours.map(Self.describe))")
    }

    @Test("argument errors have the same texts")
    func argumentErrors() throws {
        let pair = try Pair()
        defer { pair.stop() }
        for request in [
            #"{"execute":"guest-file-read","arguments":{"handle":"x"}}"#,
            #"{"execute":"guest-file-read","arguments":{"handle":1.5}}"#,
            #"{"execute":"guest-file-read","arguments":{"handle":999999}}"#,
            #"{"execute":"guest-file-open","arguments":{}}"#,
            #"{"execute":"guest-file-open","arguments":{"path":1}}"#,
            #"{"execute":"guest-file-open","arguments":{"path":"/x","bogus":1}}"#,
            #"{"execute":"guest-file-open","arguments":{"path":"/nonexistent/x"}}"#,
            #"{"execute":"guest-file-open","arguments":{"path":"/nonexistent/x","mode":"q"}}"#,
            #"{"execute":"guest-file-seek","arguments":{"handle":1,"offset":0,"whence":true}}"#,
            #"{"execute":"guest-file-seek","arguments":{"handle":1,"offset":0,"whence":"bogus"}}"#,
            #"{"execute":"guest-exec","arguments":{"path":"/bin/true","arg":"x"}}"#,
            #"{"execute":"guest-exec","arguments":{"path":"/bin/true","arg":[1]}}"#,
            #"{"execute":"guest-exec","arguments":{"path":"/bin/true","capture-output":1}}"#,
            #"{"execute":"guest-exec","arguments":{"path":"/nonexistent"}}"#,
            #"{"execute":"guest-exec","arguments":{"path":"cat","input-data":"!!"}}"#,
            #"{"execute":"guest-exec-status","arguments":{"pid":1}}"#,
            #"{"execute":"guest-exec-status","arguments":{}}"#,
            #"{"execute":"guest-ping","arguments":{"bogus":1}}"#,
            #"{"execute":"guest-sync","arguments":{"id":"x"}}"#,
            #"{"execute":"guest-set-vcpus","arguments":{"vcpus":1}}"#,
            #"{"execute":"guest-set-vcpus","arguments":{"vcpus":[1]}}"#,
            #"{"execute":"guest-set-vcpus","arguments":{"vcpus":[]}}"#,
            #"{"execute":"guest-set-memory-blocks","arguments":{"mem-blks":[]}}"#,
            #"{"execute":"guest-set-memory-blocks","arguments":{"mem-blks":"x"}}"#,
            #"{"execute":"guest-shutdown","arguments":{"mode":"bogus"}}"#,
            #"{"execute":"guest-set-user-password","arguments":{"username":"a:b","password":"aGk=","crypted":false}}"#,
            #"{"execute":"guest-set-user-password","arguments":{"username":"root","password":"!!","crypted":false}}"#,
            #"{"execute":"guest-ssh-get-authorized-keys","arguments":{"username":5}}"#,
            #"{"execute":"guest-fsfreeze-freeze-list","arguments":{"mountpoints":"x"}}"#,
        ] {
            pair.expectSame(request)
        }
    }

    @Test("file sequence: handles, reads, writes, seeks, EOF, errors")
    func files() throws {
        let pair = try Pair()
        defer { pair.stop() }
        let qFile = pair.qemu.directory.appendingPathComponent("data.txt").path
        let fFile = pair.fleet.directory.appendingPathComponent("data.txt").path
        for path in [qFile, fFile] { try "hello fleet\n".write(toFile: path, atomically: true, encoding: .utf8) }
        func both(_ template: String) {
            pair.q.send(template.replacingOccurrences(of: "PATH", with: qFile))
            pair.f.send(template.replacingOccurrences(of: "PATH", with: fFile))
            let a = pair.q.readReply(), b = pair.f.readReply()
            #expect(Bool(a != nil && a == b), "\(template)\n qemu-ga:     \(a.map(Self.describe) ?? "nothing")\n fleet-agent: \(b.map(Self.describe) ?? "nothing")")
        }
        both(#"{"execute":"guest-file-open","arguments":{"path":"PATH","mode":"r+"}}"#)
        both(#"{"execute":"guest-file-read","arguments":{"handle":1000,"count":5}}"#)
        both(#"{"execute":"guest-file-read","arguments":{"handle":1000,"count":0}}"#)
        both(#"{"execute":"guest-file-read","arguments":{"handle":1000,"count":50331649}}"#)
        both(#"{"execute":"guest-file-read","arguments":{"handle":1000,"count":-1}}"#)
        both(#"{"execute":"guest-file-read","arguments":{"handle":1000}}"#)
        both(#"{"execute":"guest-file-read","arguments":{"handle":1000}}"#)
        both(#"{"execute":"guest-file-seek","arguments":{"handle":1000,"offset":0,"whence":"end"}}"#)
        both(#"{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"aGk="}}"#)
        both(#"{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"aGk=aGk=\n"}}"#)
        both(#"{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"aGk"}}"#)
        both(#"{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"YR=="}}"#)
        both(#"{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"aG k="}}"#)
        both(#"{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"aGk=","count":5}}"#)
        both(#"{"execute":"guest-file-seek","arguments":{"handle":1000,"offset":2,"whence":0}}"#)
        both(#"{"execute":"guest-file-read","arguments":{"handle":1000,"count":100}}"#)
        both(#"{"execute":"guest-file-seek","arguments":{"handle":1000,"offset":-100,"whence":1}}"#)
        both(#"{"execute":"guest-file-seek","arguments":{"handle":1000,"offset":0,"whence":7}}"#)
        both(#"{"execute":"guest-file-flush","arguments":{"handle":1000}}"#)
        both(#"{"execute":"guest-file-close","arguments":{"handle":1000}}"#)
        both(#"{"execute":"guest-file-close","arguments":{"handle":1000}}"#)
        both(#"{"execute":"guest-file-open","arguments":{"path":"PATH"}}"#)
        both(#"{"execute":"guest-file-write","arguments":{"handle":1001,"buf-b64":"aGk="}}"#)
        both(#"{"execute":"guest-file-open","arguments":{"path":"PATH","mode":"a+b"}}"#)
        #expect(try String(contentsOfFile: qFile, encoding: .utf8) == String(contentsOfFile: fFile, encoding: .utf8))
        #expect(try String(contentsOfFile: pair.qemu.stateDirectory + "/qga.state", encoding: .utf8)
            == String(contentsOfFile: pair.fleet.stateDirectory + "/qga.state", encoding: .utf8))
    }
}
