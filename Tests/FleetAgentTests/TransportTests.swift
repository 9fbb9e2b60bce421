import CLinuxSupport
import FleetTestSupport
import Foundation
import QGA
import Testing

/// The transports other than unix-listen, with real processes: isa-serial over a pseudo
/// terminal, systemd socket activation, and daemon mode with a pid file.
@Suite("Transports and process modes")
struct TransportTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-transport-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("state"), withIntermediateDirectories: true)
        return url
    }

    /// Starts a program with `fd` as its descriptor 3 (how systemd hands over a socket).
    static func spawn(_ arguments: [String], environment: [String], descriptor3 fd: Int32? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let fd { posix_spawn_file_actions_adddup2(&actions, fd, 3) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard rc == 0 else { throw TestFailure("posix_spawn failed: \(rc)") }
        return pid
    }

    static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<200 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    @Test("isa-serial: raw mode on a terminal, 0xFF and newlines pass untouched")
    func isaSerial() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var name = [CChar](repeating: 0, count: 128)
        let master = fleet_open_pty(&name, name.count)
        try #require(master >= 0)
        defer { close(master) }
        let slave = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let pid = try Self.spawn(
            [AgentProcess.fleetAgentPath, "-m", "isa-serial", "-p", slave, "-t", directory.appendingPathComponent("state").path],
            environment: ["QGA_CONF=/nonexistent"])
        defer { Self.stop(pid) }
        usleep(300_000)  // the agent switches the line to raw mode after opening it
        let request: [UInt8] = [0xFF] + Array(#"{"execute":"guest-sync-delimited","arguments":{"id":77}}"#.utf8) + [0x0A]
        _ = request.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, received.filter({ $0 == 0x0A }).count < 2 {
            var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            if n > 0 { received += chunk[..<n] }
        }
        let expected = Array("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\n".utf8)
            + [0xFF] + Array("{\"return\": 77}\n".utf8)
        #expect(received == expected, "\(String(decoding: received, as: UTF8.self))")
    }

    @Test("systemd socket activation: the listening socket arrives as fd 3")
    func socketActivation() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("activated.sock").path
        let listener = try UnixSocket.listen(at: path)
        defer { close(listener) }
        // LISTEN_PID must be the agent's own pid: a shell sets it, then execs the agent.
        let pid = try Self.spawn(
            ["/bin/sh", "-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" -t \"$1\"", AgentProcess.fleetAgentPath,
             directory.appendingPathComponent("state").path],
            environment: ["QGA_CONF=/nonexistent", "PATH=/usr/bin:/bin"], descriptor3: listener)
        defer { Self.stop(pid) }
        let client = try QGAClient(path: path)
        #expect(client.call(#"{"execute":"guest-ping","id":"activated"}"#) == ["return": [:], "id": "activated"])
    }

    @Test("-d: the agent daemonizes, writes its pid file, and removes it when stopped")
    func daemonMode() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidfile = directory.appendingPathComponent("agent.pid").path
        let socketPath = directory.appendingPathComponent("d.sock").path
        let launcher = try Self.spawn(
            [AgentProcess.fleetAgentPath, "-d", "-f", pidfile, "-m", "unix-listen", "-p", socketPath,
             "-t", directory.appendingPathComponent("state").path],
            environment: ["QGA_CONF=/nonexistent"])
        var status: Int32 = 0
        waitpid(launcher, &status, 0)
        #expect(status == 0, "the launching process exits once the daemon runs")
        var daemonPID: pid_t = 0
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: pidfile, encoding: .utf8), let value = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                daemonPID = value
                break
            }
            usleep(10_000)
        }
        #expect(daemonPID > 0 && daemonPID != launcher)
        guard daemonPID > 0 else { return }
        defer { kill(daemonPID, SIGKILL) }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socketPath) { usleep(10_000) }
        let client = try QGAClient(path: socketPath)
        #expect(client.call(#"{"execute":"guest-ping"}"#) == ["return": [:]])
        kill(daemonPID, SIGTERM)
        for _ in 0..<300 where FileManager.default.fileExists(atPath: pidfile) { usleep(10_000) }
        #expect(!FileManager.default.fileExists(atPath: pidfile))
    }

    @Test("fleet-agent's own channel beside the standard one: both answered at once, one agent underneath")
    func fleetChannel() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fleetPath = directory.appendingPathComponent("fleet.sock").path
        let conf = directory.appendingPathComponent("agent.conf").path
        try "[general]\nfleet-method=unix-listen\nfleet-path=\(fleetPath)\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(executable: AgentProcess.fleetAgentPath, name: "two-channels", environment: ["QGA_CONF": conf])
        defer { agent.stop() }
        // The management stack's client holds the standard channel.
        let standard = try agent.connect()
        #expect(standard.call(#"{"execute":"guest-ping","id":1}"#)?["return"] != nil)
        let fleet = try QGAClient(path: fleetPath)
        #expect(fleet.call(#"{"execute":"guest-ping","id":2}"#, timeout: 2)?["return"] != nil, "answered while the standard channel is held")
        // One agent: an exec started through one channel is known to the other.
        let started = fleet.call(#"{"execute":"guest-exec","arguments":{"path":"/bin/true"},"id":3}"#)
        let pid = try #require(started?["return"]?["pid"]?.int64Value)
        var exited = false
        for _ in 0..<100 where !exited {
            let status = standard.call(#"{"execute":"guest-exec-status","arguments":{"pid":\#(pid)},"id":4}"#)
            exited = status?["return"]?["exited"] == .bool(true)
            if exited { #expect(status?["return"]?["exitcode"]?.int64Value == 0) } else { usleep(20_000) }
        }
        #expect(exited)
        #expect(agent.log.contains("also serving fleet-agent's channel"))
    }
}
