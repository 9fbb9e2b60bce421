import QGA

/// qemu-ga's command line, parsed with getopt_long's rules: short options may be bundled
/// (`-vd`), take their argument attached or as the next word (`-mX`, `-m X`), long options take
/// `--opt=value` or `--opt value`, and `-F`/`--fsfreeze-hook` takes an optional argument that
/// must be attached (`-F/path`, `--fsfreeze-hook=/path`).
enum AgentCommandLine {
    enum Action: Equatable {
        case run
        case help
        case version
        case dumpConfig
        /// `-b help` / `-a help`: list the RPC names.
        case listRPCs
    }

    struct Parsed: Equatable {
        var action: Action
        var config: AgentConfig
    }

    private enum Argument { case none, required, optional }

    private static let options: [(short: Character?, long: String, argument: Argument)] = [
        ("h", "help", .none), ("V", "version", .none), ("v", "verbose", .none), ("d", "daemonize", .none),
        ("m", "method", .required), ("p", "path", .required), ("l", "logfile", .required),
        ("f", "pidfile", .required), ("F", "fsfreeze-hook", .optional), ("b", "block-rpcs", .required),
        ("a", "allow-rpcs", .required), ("t", "statedir", .required), ("D", "dump-conf", .none),
        ("r", "retry-path", .none), ("c", "config", .required),
    ]

    /// Splits the arguments into (option long name, value) pairs in order.
    static func tokenize(_ arguments: [String]) throws(AgentConfigError) -> [(String, String?)] {
        var result: [(String, String?)] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word == "--" { break }
            if word.hasPrefix("--") {
                let body = word.dropFirst(2)
                let name = String(body.split(separator: "=", maxSplits: 1).first ?? "")
                let inline = body.contains("=") ? String(body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[1]) : nil
                guard let option = options.first(where: { $0.long == name }) else {
                    throw AgentConfigError("unrecognized option '\(word)'")
                }
                switch option.argument {
                case .none:
                    guard inline == nil else { throw AgentConfigError("option '--\(name)' doesn't allow an argument") }
                    result.append((name, nil))
                case .optional:
                    result.append((name, inline))
                case .required:
                    if let inline {
                        result.append((name, inline))
                    } else {
                        guard index < arguments.count else { throw AgentConfigError("option '--\(name)' requires an argument") }
                        result.append((name, arguments[index]))
                        index += 1
                    }
                }
            } else if word.hasPrefix("-") && word.count > 1 {
                var rest = Substring(word.dropFirst())
                while let letter = rest.first {
                    rest = rest.dropFirst()
                    guard let option = options.first(where: { $0.short == letter }) else {
                        throw AgentConfigError("invalid option -- '\(letter)'")
                    }
                    switch option.argument {
                    case .none:
                        result.append((option.long, nil))
                        continue
                    case .optional:
                        result.append((option.long, rest.isEmpty ? nil : String(rest)))
                    case .required:
                        if !rest.isEmpty {
                            result.append((option.long, String(rest)))
                        } else {
                            guard index < arguments.count else { throw AgentConfigError("option requires an argument -- '\(letter)'") }
                            result.append((option.long, arguments[index]))
                            index += 1
                        }
                    }
                    break
                }
            } else {
                throw AgentConfigError("unexpected argument '\(word)'")
            }
        }
        return result
    }

    /// Parses the command line over the key file: `-c` (or QGA_CONF, or the default path)
    /// names the file, which is applied first; every other option then overrides it.
    static func parse(
        _ arguments: [String], environment: [String: String], readFile: (String) -> String?
    ) throws(AgentConfigError) -> Parsed {
        let tokens = try tokenize(arguments)
        var config = AgentConfig()
        let explicit = tokens.last(where: { $0.0 == "config" })?.1
        let configPath = explicit ?? environment["QGA_CONF"] ?? AgentConfig.defaultConfigFile
        if let text = readFile(configPath) {
            try config.apply(KeyFile(parsing: text))
        } else if explicit != nil {
            throw AgentConfigError("failed to load config file '\(configPath)'")
        }

        var action = Action.run
        for (name, value) in tokens {
            switch name {
            case "help": action = .help
            case "version": action = .version
            case "verbose": config.verbose = true
            case "daemonize": config.daemonize = true
            case "method":
                guard let method = AgentConfig.Method(rawValue: value ?? "") else {
                    throw AgentConfigError("invalid method: \(value ?? "")")
                }
                config.method = method
            case "path": config.path = value
            case "logfile": config.logfile = value
            case "pidfile": config.pidfile = value ?? config.pidfile
            case "fsfreeze-hook": config.fsfreezeHook = value ?? AgentConfig.defaultHook
            case "block-rpcs":
                if value == "help" { action = .listRPCs } else { config.addBlocked(value ?? "") }
            case "allow-rpcs":
                if value == "help" { action = .listRPCs } else { config.addAllowed(value ?? "") }
            case "statedir": config.statedir = value ?? config.statedir
            case "dump-conf": if action == .run { action = .dumpConfig }
            case "retry-path": config.retryPath = true
            default: break  // "config" was handled above
            }
        }
        return Parsed(action: action, config: config)
    }

    static let usage = """
        Usage: fleet-agent [-m <method> -p <path>] [<options>]
        fleet-agent \(FleetVersion.current): a QEMU Guest Agent compatible agent

          -m, --method      transport method: one of unix-listen, virtio-serial,
                            isa-serial, or vsock-listen (virtio-serial is the default)
          -p, --path        device/socket path (the default for virtio-serial is:
                            /dev/virtio-ports/org.qemu.guest_agent.0,
                            the default for isa-serial is: /dev/ttyS0).
                            Socket addresses for vsock-listen are written as <cid>:<port>.
          -l, --logfile     set logfile path, logs to stderr by default
          -f, --pidfile     specify pidfile (default is /var/run/qemu-ga.pid)
          -F, --fsfreeze-hook
                            enable fsfreeze hook. Accepts an optional argument that
                            specifies script to run on freeze/thaw (default is
                            /etc/qemu/fsfreeze-hook); attach it: -F/path/to/hook
          -t, --statedir    specify dir to store state information (absolute paths
                            only, default is /var/run)
          -v, --verbose     log extra debugging information
          -V, --version     print version information and exit
          -d, --daemonize   become a daemon
          -b, --block-rpcs  comma-separated list of RPCs to disable (no spaces,
                            use "help" to list available RPCs)
          -a, --allow-rpcs  comma-separated list of RPCs to enable (no spaces,
                            use "help" to list available RPCs)
          -D, --dump-conf   dump a qemu-ga config file based on current config
                            options / command-line parameters to stdout
          -r, --retry-path  attempt re-opening path if it's unavailable or closed
                            due to an error which may be recoverable in the future
          -c, --config      configuration file (default QGA_CONF or /etc/qemu/qemu-ga.conf)
          -h, --help        display this help and exit

        """
}
