import QGA

/// guest-shutdown and guest-suspend-*. On success none of them replies.
enum PowerCommands {
    static func register(_ registry: inout CommandRegistry) {
        registry.register(GuestShutdownCommand.self) { args, context throws(QGAError) in
            let flag: String
            switch args.mode ?? "powerdown" {
            case "halt": flag = "-H"
            case "powerdown": flag = "-P"
            case "reboot": flag = "-r"
            default: throw .generic("mode is invalid (valid values are: halt|powerdown|reboot")
            }
            context.log.info("guest-shutdown called, mode: \(args.mode ?? "powerdown")")
            guard let shutdown = context.system.findProgram("shutdown") else {
                throw .generic("child process has failed to shutdown")
            }
            let status = try HelperProgram.run(shutdown, [flag, "+0", "hypervisor initiated shutdown"])
            guard WaitStatus.exitCode(status) == 0 else { throw .generic("child process has failed to shutdown") }
            return QGAEmpty()
        }
        registry.register(GuestSuspendDiskCommand.self) { _, context throws(QGAError) in
            try suspend(.disk, context)
            return QGAEmpty()
        }
        registry.register(GuestSuspendRamCommand.self) { _, context throws(QGAError) in
            try suspend(.ram, context)
            return QGAEmpty()
        }
        registry.register(GuestSuspendHybridCommand.self) { _, context throws(QGAError) in
            try suspend(.hybrid, context)
            return QGAEmpty()
        }
    }

    enum SuspendMode {
        case disk, ram, hybrid

        var systemdVerb: String {
            switch self {
            case .disk: "hibernate"
            case .ram: "suspend"
            case .hybrid: "hybrid-sleep"
            }
        }

        var pmUtils: (check: String, run: String) {
            switch self {
            case .disk: ("--hibernate", "pm-hibernate")
            case .ram: ("--suspend", "pm-suspend")
            case .hybrid: ("--suspend-hybrid", "pm-suspend-hybrid")
            }
        }

        /// The word /sys/power/state takes; hybrid sleep has none.
        var sysfsState: String? {
            switch self {
            case .disk: "disk"
            case .ram: "mem"
            case .hybrid: nil
            }
        }
    }

    /// qemu-ga's order: systemd, then pm-utils, then writing /sys/power/state directly; the
    /// first method that supports the mode is used, and its error is the one reported.
    static func suspend(_ mode: SuspendMode, _ context: AgentContext) throws(QGAError) {
        let system = context.system
        var lastError: QGAError?
        var supported = false

        if let systemctl = system.findProgram("systemctl"),
            let status = try? HelperProgram.run(systemctl, ["status", "systemd-\(mode.systemdVerb).service"]),
            [0, 3].contains(WaitStatus.exitCode(status))
        {
            supported = true
            do throws(QGAError) {
                let result = try HelperProgram.run(systemctl, ["start", "systemd-\(mode.systemdVerb).service"])
                if WaitStatus.exitCode(result) == 0 { return }
                lastError = .generic("the helper program 'systemctl start systemd-\(mode.systemdVerb).service' returned an unexpected exit status code (\(WaitStatus.exitCode(result)))")
            } catch {
                lastError = error
            }
        }
        if let check = system.findProgram("pm-is-supported"),
            let status = try? HelperProgram.run(check, [mode.pmUtils.check]), WaitStatus.exitCode(status) == 0
        {
            supported = true
            if let run = system.findProgram(mode.pmUtils.run) {
                do throws(QGAError) {
                    let result = try HelperProgram.run(run, [])
                    if WaitStatus.exitCode(result) == 0 { return }
                    lastError = .generic("the helper program '\(mode.pmUtils.run)' returned an unexpected exit status code (\(WaitStatus.exitCode(result)))")
                } catch {
                    lastError = error
                }
            }
        }
        if let word = mode.sysfsState,
            let states = FileIO.readTrimmed(system.path("/sys/power/state")),
            states.split(separator: " ").contains(Substring(word))
        {
            supported = true
            do {
                try FileIO.write(system.path("/sys/power/state"), Array(word.utf8))
                return
            } catch {
                lastError = .generic("suspend: cannot write to '/sys/power/state': \(error)")
            }
        }
        if !supported { throw .generic("the requested suspend mode is not supported by the guest") }
        throw lastError ?? .generic("the requested suspend mode is not supported by the guest")
    }
}
