#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxSupport
import QGA

struct FrozenMount: Equatable {
    var mountpoint: String
}

/// guest-fsfreeze-status/-freeze/-freeze-list/-thaw and guest-fstrim, with qemu-ga's order of
/// events: the hook runs first, then the agent enters the frozen state (marker written, log
/// silenced, commands restricted) *before* any filesystem is frozen, so the agent never blocks
/// on a write to a frozen filesystem; then FIFREEZE in reverse mount order.
enum FreezeCommands {
    static func register(_ registry: inout CommandRegistry) {
        registry.register(GuestFsfreezeStatusCommand.self) { _, context in
            context.isFrozen ? .frozen : .thawed
        }
        registry.register(GuestFsfreezeFreezeCommand.self) { _, context throws(QGAError) in
            try freeze(only: nil, context)
        }
        registry.register(GuestFsfreezeFreezeListCommand.self) { args, context throws(QGAError) in
            try freeze(only: args.mountpoints, context)
        }
        registry.register(GuestFsfreezeThawCommand.self) { _, context throws(QGAError) in
            try thaw(context)
        }
        registry.register(GuestFstrimCommand.self) { args, context throws(QGAError) in
            try trim(minimum: args.minimum ?? 0, context)
        }
    }

    static func runHook(_ argument: String, _ context: AgentContext) throws(QGAError) {
        guard let hook = context.fsfreezeHook else { return }
        guard access(hook, X_OK) == 0 else {
            throw .generic("can't access fsfreeze hook '\(hook)': \(SystemError())")
        }
        let status = try HelperProgram.run(hook, [argument])
        let code = WaitStatus.exitCode(status)
        guard code == 0 else { throw .generic("fsfreeze hook has failed with status \(code)") }
    }

    static func freeze(only mountpoints: [String]?, _ context: AgentContext) throws(QGAError) -> Int64 {
        let mounts: [Mount]
        do { mounts = try Mounts.list(context.system) } catch { throw .generic("failed to read mount list: \(error)") }
        try runHook("freeze", context)
        context.setFrozen(true)
        var frozen: [FrozenMount] = []
        for mount in mounts.reversed() {
            if let mountpoints, !mountpoints.contains(mount.mountpoint) { continue }
            if frozen.contains(FrozenMount(mountpoint: mount.mountpoint)) { continue }
            let fd = open(mount.mountpoint, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let error = SystemError()
                context.frozenMounts = frozen
                _ = try? thaw(context)
                throw .generic("failed to open \(mount.mountpoint): \(error)")
            }
            let rc = fleet_ioctl_freeze(fd)
            let code = errno
            close(fd)
            if rc < 0 {
                // Not freezable, or already frozen by someone else: neither is an error.
                if code == EOPNOTSUPP || code == EBUSY { continue }
                context.frozenMounts = frozen
                _ = try? thaw(context)
                throw .generic("failed to freeze \(mount.mountpoint): \(SystemError(code))")
            }
            frozen.append(FrozenMount(mountpoint: mount.mountpoint))
        }
        context.frozenMounts = frozen
        if frozen.isEmpty {
            // Nothing was frozen: do not leave the agent restricted.
            _ = try? thaw(context)
        }
        return Int64(frozen.count)
    }

    /// Thaws every local filesystem (not only those this agent froze: after a restart it knows
    /// none of them), repeating FITHAW until it fails since freezes nest.
    static func thaw(_ context: AgentContext) throws(QGAError) -> Int64 {
        var thawed: Int64 = 0
        let mounts = (try? Mounts.list(context.system)) ?? []
        var seen = Set<String>()
        for mount in mounts where seen.insert(mount.mountpoint).inserted {
            let fd = open(mount.mountpoint, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var any = false
            while fleet_ioctl_thaw(fd) == 0 { any = true }
            close(fd)
            if any { thawed += 1 }
        }
        context.frozenMounts = []
        context.setFrozen(false)
        try runHook("thaw", context)
        return thawed
    }

    static func trim(minimum: Int64, _ context: AgentContext) throws(QGAError) -> GuestFilesystemTrimResponse {
        let mounts: [Mount]
        do { mounts = try Mounts.list(context.system) } catch { throw .generic("failed to read mount list: \(error)") }
        var results: [GuestFilesystemTrimResult] = []
        for mount in mounts.reversed() {
            var result = GuestFilesystemTrimResult(path: mount.mountpoint)
            let fd = open(mount.mountpoint, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                result.error = "failed to open: \(SystemError())"
                results.append(result)
                continue
            }
            var trimmed: UInt64 = 0
            if fleet_ioctl_fitrim(fd, UInt64(max(0, minimum)), &trimmed) == 0 {
                result.trimmed = Int64(clamping: trimmed)
                result.minimum = minimum
            } else {
                let code = errno
                result.error = (code == ENOTTY || code == EOPNOTSUPP) ? "trim not supported" : "failed to trim: \(SystemError(code))"
            }
            close(fd)
            results.append(result)
        }
        return GuestFilesystemTrimResponse(paths: results)
    }
}
