import FleetTestSupport
import Foundation
import Testing

/// What a caller on the control socket can send fleetd — each finding of the API fuzzing run of
/// issue 15 (values that trapped, bodies buffered before any check, HTTP garbage answered 500,
/// the document and the server disagreeing) — answered 4xx, with fleetd alive and its memory flat.
@Suite("hostile callers on the control socket", .serialized)
struct HostileCallerTests {
    @Test("numbers that used to crash fleetd are refused with 400 naming the parameter and the rule")
    func trappingNumbers() throws {
        let fleet = try FleetFixture(fleetAgents: ["vm1"], qemuGA: nil)
        try fleet.startFleetd()
        let http = RawHTTP(socketPath: fleet.controlSocket)
        let cases: [(String, String)] = [
            ("/v1/execs/1?wait=nan", "query parameter 'wait': must be a number"),
            ("/v1/execs/1?wait=inf", "query parameter 'wait': must be a number"),
            ("/v1/execs/1?wait=1e300", "query parameter 'wait': must be at most 300"),
            ("/v1/execs/1?wait=-1e300", "query parameter 'wait': must be at least 0"),
            ("/v1/execs/1?wait=1e16", "query parameter 'wait': must be at most 300"),
            ("/v1/vms/vm1/history?limit=-1", "query parameter 'limit': must be at least 1"),
            ("/v1/vms/vm1/history?limit=99999999999999999999", "query parameter 'limit': must be an integer within"),
            ("/v1/status?limit=-1", "query parameter 'limit': must be at least 0"),
            ("/v1/execs?limit=0", "query parameter 'limit': must be at least 1"),
            ("/v1/audit?limit=100001", "query parameter 'limit': must be at most 100000"),
            ("/v1/execs/0", "path parameter 'id': must be at least 1"),
            ("/v1/vms/vm1/agent?timeout=0x10", "query parameter 'timeout': must be a number"),
            ("/v1/execs/1?wait=1&wait=2", "query parameter 'wait': must be given once"),
        ]
        for (target, message) in cases {
            let method = target.contains("/agent") ? "POST" : "GET"
            let answer = try http.send("\(method) \(target) HTTP/1.1\r\nHost: fleetd\r\nContent-Length: 0")
            #expect(answer.status == 400, "\(target): \(answer.status) \(answer.body)")
            #expect(answer.body.contains(message), "\(target): \(answer.body)")
        }
        #expect(try fleet.fleetctl(["whoami"]).status == 0, "fleetd died: \(fleet.log)")
    }

    @Test("what the document allows is accepted; what it forbids is refused")
    func documentAgreement() throws {
        let fleet = try FleetFixture(fleetAgents: ["vm1"], qemuGA: nil)
        try fleet.startFleetd()
        let http = RawHTTP(socketPath: fleet.controlSocket)
        for accepted in [
            "/v1/vms?address=fd00::/8", "/v1/vms?address=10.0.0.0/8&state=", "/v1/vms?state=responsive,gone",
            "/v1/status?vms=all&limit=0", "/v1/vms/vm1/history?since=2026-01-01T00:00:00Z&limit=100000", "/v1/execs?vm=vm1",
        ] {
            let answer = try http.send("GET \(accepted) HTTP/1.1\r\nHost: fleetd")
            #expect(answer.status == 200, "\(accepted): \(answer.status) \(answer.body)")
        }
        for refused in [
            "/v1/vms?address=10.0.0.256", "/v1/vms?address=10.0.0.0/33", "/v1/vms?state=Responsive", "/v1/status?vms=some",
            "/v1/vms/vm1/history?since=yesterday", "/v1/export?table=users", "/v1/vms?name=" + String(repeating: "x", count: 1025),
        ] {
            let answer = try http.send("GET \(refused) HTTP/1.1\r\nHost: fleetd")
            #expect(answer.status == 400, "\(refused): \(answer.status) \(answer.body)")
        }
        // Bodies: checked against their schema once the VM is known to exist.
        let bodies: [(String, String, String)] = [
            ("/v1/vms/vm1/execs", #"{"path":""}"#, "body member 'path': must not be empty"),
            ("/v1/vms/vm1/execs", #"{"path":"/bin/true","timeoutSeconds":1e300}"#, "body member 'timeoutSeconds': must be at most 86400"),
            ("/v1/vms/vm1/files/read", #"{"path":"/etc/hostname","maxBytes":-1}"#, "body member 'maxBytes': must be at least 0"),
            ("/v1/vms/vm1/fstrim", #"{"minimum":1.5}"#, "body member 'minimum': must be an integer"),
            ("/v1/vms/vm1/agent", #"{"execute":7}"#, "body member 'execute': must be a string"),
            ("/v1/vms/vm1/agent", #"{"arguments":{}}"#, "body: must have the member 'execute'"),
            ("/v1/vms/vm1/ssh-keys", #"{"username":"root","add":"key"}"#, "body member 'add': must be a list"),
            ("/v1/vms/vm1/execs", #"{"path":"/bin/true""#, "the body is not valid JSON"),
        ]
        for (route, body, message) in bodies {
            let answer = try http.send(
                "POST \(route) HTTP/1.1\r\nHost: fleetd\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)",
                body: Array(body.utf8))
            #expect(answer.status == 400 && answer.body.contains(message), "\(route) \(body): \(answer.status) \(answer.body)")
        }
        // An unknown VM is answered before its body is looked at.
        let unknown = try http.send(
            "POST /v1/vms/nosuchvm/execs HTTP/1.1\r\nHost: fleetd\r\nContent-Type: application/json\r\nContent-Length: 2", body: Array("{}".utf8))
        #expect(unknown.status == 404, "\(unknown.body)")
    }

    @Test("undeclared methods answer 405 with Allow; OPTIONS and HEAD are served")
    func methods() throws {
        let fleet = try FleetFixture(fleetAgents: [], qemuGA: nil)
        try fleet.startFleetd()
        let http = RawHTTP(socketPath: fleet.controlSocket)
        let cases = [
            ("POST", "/metrics", "GET, HEAD, OPTIONS"), ("DELETE", "/v1/audit", "GET, HEAD, OPTIONS"),
            ("PUT", "/v1/export", "GET, HEAD, OPTIONS"), ("PATCH", "/v1/vms", "GET, HEAD, OPTIONS"),
            ("POST", "/v1/whoami", "GET, HEAD, OPTIONS"), ("GET", "/v1/vms/vm1/ping", "POST, OPTIONS"),
            ("DELETE", "/v1/vms/vm1/ssh-keys", "GET, POST, HEAD, OPTIONS"),
        ]
        for (method, path, allow) in cases {
            let answer = try http.send("\(method) \(path) HTTP/1.1\r\nHost: fleetd\r\nContent-Length: 0")
            #expect(answer.status == 405 && answer.headers["allow"] == allow, "\(method) \(path): \(answer.status) \(answer.headers)")
            #expect(answer.body.contains("does not take \(method)"), "\(answer.body)")
        }
        // A request line past the HTTP limits is refused by the HTTP layer, still with the API's JSON error.
        let overlong = try http.send("GET /v1/vms?address=\(String(repeating: "%C3%A9", count: 4000)) HTTP/1.1\r\nHost: fleetd")
        #expect(overlong.status == 400 && overlong.headers["content-type"]?.hasPrefix("application/json") == true, "\(overlong.headers)")
        #expect(overlong.body.contains("\"error\":\"bad-request\"") && overlong.body.contains("16 KiB"), "\(overlong.body)")
        let options = try http.send("OPTIONS /v1/vms HTTP/1.1\r\nHost: fleetd")
        #expect(options.status == 204 && options.headers["allow"] == "GET, HEAD, OPTIONS")
        let head = try http.send("HEAD /v1/whoami HTTP/1.1\r\nHost: fleetd\r\nConnection: close")
        #expect(head.status == 200 && head.body.isEmpty)
    }

    @Test("HTTP the client broke is answered 4xx, never 500")
    func brokenHTTP() throws {
        let fleet = try FleetFixture(fleetAgents: ["vm1"], qemuGA: nil)
        try fleet.startFleetd()
        let http = RawHTTP(socketPath: fleet.controlSocket)
        let post = "POST /v1/vms/vm1/execs HTTP/1.1\r\nHost: fleetd\r\nContent-Type: application/json"
        let badChunk = try http.send(post + "\r\nTransfer-Encoding: chunked", body: Array("zz\r\n{}\r\n0\r\n\r\n".utf8))
        #expect(badChunk.status == 400, "\(badChunk.status) \(badChunk.body)")
        let short = try http.send(post + "\r\nContent-Length: 100", body: Array(#"{"path":"#.utf8), halfClose: true)
        #expect(short.status == 400, "\(short.status) \(short.body)")
        let manyHeaders = (0..<150).map { "X-Filler-\($0): 1" }.joined(separator: "\r\n")
        let crowded = try http.send("GET /v1/status HTTP/1.1\r\nHost: fleetd\r\n" + manyHeaders)
        #expect(crowded.status == 400 && crowded.closed)
        let huge = try http.send("GET /v1/status HTTP/1.1\r\nHost: fleetd\r\nX-Huge: " + String(repeating: "h", count: 20_000))
        #expect(huge.status == 400 && huge.closed)
        #expect(try fleet.fleetctl(["whoami"]).status == 0, "fleetd died: \(fleet.log)")
        #expect(!fleet.log.contains("failed"), "\(fleet.log)")
    }

    @Test("a 512 MiB upload is refused while it is read; fleetd's memory stays flat")
    func hugeUploads() throws {
        let fleet = try FleetFixture(fleetAgents: ["vm1"], qemuGA: nil)
        try fleet.startFleetd()
        try fleet.waitFor(["vm1"], state: "responsive")
        let http = RawHTTP(socketPath: fleet.controlSocket)
        let total = 512 << 20
        let sampler = RSSSampler(pid: fleet.fleetdPID)
        let idle = sampler.current()
        sampler.start()
        // Declared too large: refused from the header alone, nothing of the body is needed.
        let declared = try http.upload("POST /v1/vms/vm1/files/write HTTP/1.1", total: total)
        #expect(declared.0.status == 413 && declared.0.closed, "\(declared.0.status) \(declared.0.body)")
        // Chunked, so fleetd must count: refused once 8 MiB have arrived.
        let chunked = try http.upload("POST /v1/vms/vm1/files/write HTTP/1.1", total: total, chunked: true)
        #expect(chunked.0.status == 413 && chunked.0.closed, "\(chunked.0.status) \(chunked.0.body)")
        #expect(chunked.sent < 64 << 20, "fleetd took \(chunked.sent) bytes of a body it refuses past 8 MiB")
        // A route without a body of its own takes 64 KiB at most.
        let ping = try http.upload("POST /v1/vms/vm1/ping HTTP/1.1", total: total)
        #expect(ping.0.status == 413, "\(ping.0.status) \(ping.0.body)")
        // An unknown VM is refused before its body is read.
        let unknown = try http.upload("POST /v1/vms/nosuchvm/files/write HTTP/1.1", total: total)
        #expect(unknown.0.status == 404, "\(unknown.0.status)")
        let peak = sampler.stop()
        #expect(peak - idle < 24 << 20, "fleetd's RSS went from \(idle >> 20) MiB to \(peak >> 20) MiB")
        #expect(try fleet.fleetctl(["whoami"]).status == 0, "fleetd died: \(fleet.log)")
    }

    @Test("the tier is checked before the body is read")
    func tierBeforeBody() throws {
        let fleet = try FleetFixture(fleetAgents: ["vm1"], qemuGA: nil)
        try fleet.startFleetd()
        // A read-tier caller declares 512 MiB and sends none of it: the 403 comes at once.
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
            s.sendall(b"POST /v1/vms/vm1/files/write HTTP/1.1\\r\\nHost: fleetd\\r\\nContent-Type: application/json\\r\\nContent-Length: 536870912\\r\\n\\r\\n")
            print(s.recv(65536).split(b"\\r\\n")[0].decode())
            """
        let result = try runProcess(
            "/usr/bin/python3", ["-c", script, fleet.controlSocket],
            asUser: (uid: 65534, gid: FleetFixture.readGroup, groups: [FleetFixture.readGroup]))
        #expect(result.text.hasPrefix("HTTP/1.1 403"), "\(result.text) \(result.stderr)")
    }
}

/// Samples a process's resident set on a background thread and keeps the peak.
final class RSSSampler: @unchecked Sendable {
    let pid: Int32
    private var peak = 0
    private var running = false
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)

    init(pid: Int32) { self.pid = pid }

    func current() -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    func start() {
        lock.withLock { running = true; peak = current() }
        Thread {
            while self.lock.withLock({ self.running }) {
                let now = self.current()
                self.lock.withLock { self.peak = max(self.peak, now) }
                usleep(20_000)
            }
            self.done.signal()
        }.start()
    }

    func stop() -> Int {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { peak }
    }
}
