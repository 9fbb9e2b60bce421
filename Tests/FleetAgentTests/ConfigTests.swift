import Testing
@testable import FleetAgent

@Suite("Command line and config file")
struct ConfigTests {
    func parse(_ arguments: [String], file: String? = nil) throws -> AgentCommandLine.Parsed {
        try AgentCommandLine.parse(arguments, environment: ["QGA_CONF": "/conf"]) { $0 == "/conf" ? file : nil }
    }

    @Test("getopt rules: bundles, attached and separate arguments, long forms, optional -F")
    func getopt() throws {
        let parsed = try parse(["-vdmunix-listen", "-p", "/s.sock", "--statedir=/st", "-F", "-b", "a,b", "--block-rpcs", "c"])
        #expect(parsed.action == .run)
        #expect(parsed.config.verbose && parsed.config.daemonize)
        #expect(parsed.config.method == .unixListen && parsed.config.path == "/s.sock" && parsed.config.statedir == "/st")
        #expect(parsed.config.fsfreezeHook == "/etc/qemu/fsfreeze-hook")
        #expect(parsed.config.blockRPCs == ["b", "a", "c"])
        #expect(try parse(["-F/my/hook"]).config.fsfreezeHook == "/my/hook")
        #expect(try parse(["--fsfreeze-hook=/h"]).config.fsfreezeHook == "/h")
        #expect(try parse(["-b", "help"]).action == .listRPCs)
        #expect(try parse(["-a", "guest-ping,guest-info"]).config.allowRPCs == ["guest-info", "guest-ping"])
        #expect(throws: AgentConfigError.self) { try parse(["-x"]) }
        #expect(throws: AgentConfigError.self) { try parse(["-m"]) }
        #expect(throws: AgentConfigError.self) { try parse(["-m", "carrier-pigeon"]) }
        #expect(throws: AgentConfigError.self) { try parse(["--verbose=yes"]) }
    }

    @Test("the key file is read first and the command line overrides it")
    func keyFile() throws {
        let file = """
            # qemu-ga.conf
            [general]
            method=isa-serial
            verbose=1
            fsfreeze-hook=true
            block-rpcs=guest-exec,guest-file-open
            [other]
            method=ignored
            """
        let parsed = try parse(["-m", "unix-listen", "-p", "/x", "-b", "guest-ping"], file: file)
        #expect(parsed.config.method == .unixListen && parsed.config.verbose)
        #expect(parsed.config.fsfreezeHook == AgentConfig.defaultHook)
        #expect(parsed.config.blockRPCs == ["guest-exec", "guest-file-open", "guest-ping"])
        #expect(throws: AgentConfigError.self) { try parse([], file: "[general]\nverbose=maybe\n") }
        #expect(throws: AgentConfigError.self) { try AgentCommandLine.parse(["-c", "/missing"], environment: [:]) { _ in nil } }
    }

    @Test("-D dump reads back to the same configuration")
    func dumpRoundTrip() throws {
        let parsed = try parse(["-m", "unix-listen", "-p", "/a b", "-l", "/log", "-F/hook", "-b", "x,y", "-a", "guest-ping", "-r"])
        var reread = AgentConfig()
        try reread.apply(KeyFile(parsing: parsed.config.dump()))
        #expect(reread.dump() == parsed.config.dump())
        #expect(try AgentConfig().effectivePath() == AgentConfig.defaultVirtioPath)
        #expect(throws: AgentConfigError.self) {
            var config = AgentConfig()
            config.method = .unixListen
            _ = try config.effectivePath()
        }
    }

    @Test("fleet-agent's own channel: its keys, served only where the guest has the port, never on the standard path, shown by -D only when set")
    func fleetChannel() throws {
        let defaults = AgentConfig()
        #expect(defaults.fleetChannel(standardPath: AgentConfig.defaultVirtioPath) { _ in false } == nil, "no port, no channel")
        let found = defaults.fleetChannel(standardPath: AgentConfig.defaultVirtioPath) { $0 == AgentConfig.defaultFleetPath }
        #expect(found?.method == .virtioSerial && found?.path == AgentConfig.defaultFleetPath)
        #expect(!defaults.dump().contains("fleet-"), "with the defaults -D reads as qemu-ga's")

        let parsed = try parse(["-m", "unix-listen", "-p", "/std.sock"], file: "[general]\nfleet-method=unix-listen\nfleet-path=/fleet.sock\n")
        let listening = parsed.config.fleetChannel(standardPath: "/std.sock") { _ in false }
        #expect(listening?.method == .unixListen && listening?.path == "/fleet.sock", "a socket is made, not looked for")
        #expect(parsed.config.fleetChannel(standardPath: "/fleet.sock") { _ in true } == nil, "never the standard channel's path")
        var reread = AgentConfig()
        try reread.apply(KeyFile(parsing: parsed.config.dump()))
        #expect(reread == parsed.config)

        let off = try parse([], file: "[general]\nfleet-path=\n")
        #expect(off.config.fleetChannel(standardPath: AgentConfig.defaultVirtioPath) { _ in true } == nil)
        #expect(throws: AgentConfigError.self) { try parse([], file: "[general]\nfleet-method=vsock-listen\n") }
    }
}
