#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QGA

/// guest-sync, guest-sync-delimited, guest-ping, guest-info, guest-get-time, guest-set-time.
enum ControlCommands {
    static func register(_ registry: inout CommandRegistry) {
        registry.register(GuestSyncDelimitedCommand.self) { args, _ in args.id }
        registry.register(GuestSyncCommand.self) { args, _ in args.id }
        registry.register(GuestPingCommand.self) { _, _ in QGAEmpty() }
        registry.register(GuestInfoCommand.self) { _, context in context.agentInfo() }

        registry.register(GuestGetTimeCommand.self) { _, _ in
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        }

        registry.register(GuestSetTimeCommand.self) { args, context throws(QGAError) in
            // Without hwclock the command cannot do its second half, so qemu-ga refuses it whole.
            guard let hwclock = context.system.findProgram("hwclock") else { throw .unsupported }
            if let time = args.time {
                let seconds = time / 1_000_000_000
                // qemu-ga accepts years 1970 through 2069 only; anything else is a client bug,
                // and refusing it early keeps a wild value from reaching settimeofday.
                guard time >= 0, seconds < 3_155_760_000 else { throw .generic("Invalid time") }
                var value = timeval(tv_sec: time_t(seconds), tv_usec: suseconds_t((time % 1_000_000_000) / 1000))
                guard settimeofday(&value, nil) == 0 else {
                    throw .generic("Failed to set time to guest: \(SystemError())")
                }
            }
            let status = try HelperProgram.run(hwclock, [args.time == nil ? "-s" : "-w"])
            guard WaitStatus.exitCode(status) == 0 else {
                throw .generic("hwclock failed to set hardware clock to system time")
            }
            return QGAEmpty()
        }
    }
}
