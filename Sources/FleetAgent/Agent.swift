#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxSupport
import QGA

/// fleet-agent's entry point: options, state directory, signals, channel, event loop.
public enum FleetAgentMain {
    /// Runs the agent; returns the process exit status.
    public static func run(arguments: [String]) -> Int32 {
        let parsed: AgentCommandLine.Parsed
        do {
            parsed = try AgentCommandLine.parse(arguments, environment: currentEnvironment()) { path in
                try? FileIO.readText(path, limit: 1 << 20)
            }
        } catch {
            printError("fleet-agent: \(error)\nTry 'fleet-agent --help' for more information.")
            return 1
        }
        let config = parsed.config
        switch parsed.action {
        case .help:
            print(AgentCommandLine.usage, terminator: "")
            return 0
        case .version:
            print("fleet-agent \(FleetVersion.current) (QEMU Guest Agent 7.2 compatible)")
            return 0
        case .listRPCs:
            let registry = AgentCommands.registry()
            for command in QGACommandTable.all where registry.knows(command.name) { print(command.name) }
            return 0
        case .dumpConfig:
            print(config.dump(), terminator: "")
            return 0
        case .run:
            return serve(config)
        }
    }

    static func serve(_ config: AgentConfig) -> Int32 {
        fleet_tune_malloc()
        let log = AgentLog()
        log.verbose = config.verbose
        if let logfile = config.logfile {
            let fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard fd >= 0 else {
                printError("fleet-agent: unable to open specified log file: \(SystemError())")
                return 1
            }
            log.fd = fd
        }
        let inherited = socketActivationFD()
        let path: String
        do {
            path = inherited == nil ? try config.effectivePath() : ""
        } catch {
            log.critical("\(error)")
            return 1
        }
        if config.daemonize {
            guard daemon(0, 0) == 0 else {
                log.critical("failed to daemonize: \(SystemError())")
                return 1
            }
            do {
                try FileIO.write(config.pidfile, Array("\(getpid())\n".utf8), create: true, mode: 0o644)
            } catch {
                log.critical("failed to create pidfile '\(config.pidfile)': \(error)")
                return 1
            }
        }
        defer { if config.daemonize { unlink(config.pidfile) } }

        let state: StateDirectory
        do {
            state = try StateDirectory(directory: config.statedir)
        } catch {
            log.critical("unable to create state file in '\(config.statedir)': \(error)")
            return 1
        }

        let reactor = Reactor()
        guard let signals = SignalWatcher(reactor: reactor) else {
            log.critical("unable to watch signals: \(SystemError())")
            return 1
        }
        var policy = CommandPolicy()
        policy.blocked = Set(config.blockRPCs)
        policy.allowed = config.allowRPCs.map(Set.init)
        let context = AgentContext(
            system: LinuxSystem(), state: state, log: log, policy: policy,
            fsfreezeHook: config.fsfreezeHook, reactor: reactor)
        let dispatcher = Dispatcher(registry: AgentCommands.registry(), context: context)
        context.agentInfo = { [unowned dispatcher] in dispatcher.agentInfo() }
        signals.onChild = { context.execs.reap() }
        signals.onTerminate = { signal in
            log.info("received signal num \(signal), stopping")
            reactor.stop()
        }

        let server = ChannelServer(reactor: reactor, dispatcher: dispatcher, log: log, retryPath: config.retryPath)
        do {
            try server.start(method: config.method, path: path, inheritedFD: inherited)
        } catch {
            log.critical("\(error)")
            return 1
        }
        // fleet-agent's own channel: its own parser and session, the same agent underneath (one
        // dispatcher: file handles, execs and the frozen state are shared, as in one agent).
        var fleetServer: ChannelServer?
        if let fleet = config.fleetChannel(standardPath: path, exists: { access($0, F_OK) == 0 }) {
            let second = ChannelServer(reactor: reactor, dispatcher: dispatcher, log: log, retryPath: false, essential: false)
            do {
                try second.start(method: fleet.method, path: fleet.path, inheritedFD: nil)
                fleetServer = second
                log.info("also serving fleet-agent's channel \(fleet.path)")
            } catch {
                // The standard channel is what the stack relies on: never fail the agent for this one.
                log.critical("fleet channel \(fleet.path) not served: \(error)")
            }
        }
        if context.isFrozen { log.critical("agent started with frozen filesystems") }
        log.info("fleet-agent \(FleetVersion.current) serving \(inherited == nil ? path : "socket-activated fd 3")")
        reactor.run()
        server.shutdown()
        fleetServer?.shutdown()
        return 0
    }

    /// systemd socket activation: one descriptor (fd 3) meant for this process.
    static func socketActivationFD() -> Int32? {
        let environment = currentEnvironment()
        guard let pid = environment["LISTEN_PID"].flatMap({ pid_t($0) }), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap({ Int($0) }), count >= 1
        else { return nil }
        _ = fcntl(3, F_SETFD, FD_CLOEXEC)
        return 3
    }

    /// The command-line arguments after the program name, from argv itself (see
    /// fleet_process_argv: CommandLine.arguments is empty where /proc is not mounted).
    public static func processArguments() -> [String] {
        guard let argv = fleet_process_argv() else { return Array(CommandLine.arguments.dropFirst()) }
        return (1..<Int(max(1, fleet_process_argc()))).compactMap { argv[$0].map { String(cString: $0) } }
    }

    static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = fleet_environ()
        while let pointer = entry?.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry = entry?.advanced(by: 1)
        }
        return result
    }

    static func printError(_ message: String) {
        try? FileIO.writeAll(2, Array((message + "\n").utf8))
    }
}
