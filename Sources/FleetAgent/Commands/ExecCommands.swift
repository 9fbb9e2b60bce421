import QGA

/// guest-exec and guest-exec-status (the process bookkeeping lives in ExecTable).
enum ExecCommands {
    static func register(_ registry: inout CommandRegistry) {
        registry.register(GuestExecCommand.self) { args, context throws(QGAError) in
            try context.execs.start(args, system: context.system)
        }
        registry.register(GuestExecStatusCommand.self) { args, context throws(QGAError) in
            try context.execs.status(pid: args.pid)
        }
    }
}
