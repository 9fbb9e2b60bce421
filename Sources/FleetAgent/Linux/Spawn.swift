#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxSupport

/// Starting child processes with posix_spawn: no fork of a large address space, and the child
/// gets a clean signal state (the agent blocks SIGCHLD and ignores SIGPIPE for itself).
enum Spawn {
    /// What to connect a child's standard stream to.
    enum Stream {
        case devNull
        /// The child end of a pipe; the parent end is closed in the child.
        case pipe(child: Int32, parent: Int32)
        /// Same descriptor as the child's stdout (merged capture).
        case sameAsStdout
    }

    /// Starts `path` with `arguments` (argv[0] included). Returns the pid or the errno.
    static func start(
        path: String, arguments: [String], environment: [String]?,
        stdin: Stream, stdout: Stream, stderr: Stream
    ) -> Result<pid_t, SystemError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        for (fd, stream, readable) in [(Int32(0), stdin, true), (1, stdout, false), (2, stderr, false)] {
            switch stream {
            case .devNull:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", readable ? O_RDONLY : O_WRONLY, 0)
            case .pipe(let child, let parent):
                posix_spawn_file_actions_adddup2(&actions, child, fd)
                posix_spawn_file_actions_addclose(&actions, parent)
            case .sameAsStdout:
                posix_spawn_file_actions_adddup2(&actions, 1, fd)
            }
        }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGCHLD)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A new session, as qemu-ga's children get (setsid): a guest-exec'd daemon does not
        // share the agent's process group.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | fleet_posix_spawn_setsid())

        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.map { strdup($0) } + [nil] }
        defer { envp?.forEach { free($0) } }

        var pid: pid_t = 0
        var status: Int32 = 0
        // ETXTBSY: the program was just written and some other process still holds it open for
        // writing (a package upgrade, or a fork that inherited the writer's descriptor). It
        // clears within milliseconds, so try again briefly before reporting it.
        for attempt in 0..<20 {
            if let envp {
                status = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
            } else {
                status = posix_spawn(&pid, path, &actions, &attributes, argv, fleet_environ())
            }
            guard status == ETXTBSY, attempt < 19 else { break }
            usleep(10_000)
        }
        return status == 0 ? .success(pid) : .failure(SystemError(status))
    }

    /// Waits for a child and returns its raw wait status.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        _ = retryingEINTR { waitpid(pid, &status, 0) }
        return status
    }

    /// Runs a helper to completion with `input` on its stdin and its output discarded, as
    /// qemu-ga runs shutdown, hwclock, chpasswd and the fsfreeze hook.
    static func run(path: String, arguments: [String], input: [UInt8]? = nil) -> Result<Int32, SystemError> {
        var stdinStream = Stream.devNull
        var fds: [Int32] = [-1, -1]
        if input != nil {
            guard fleet_pipe_cloexec(&fds) == 0 else { return .failure(SystemError()) }
            stdinStream = .pipe(child: fds[0], parent: fds[1])
        }
        let started = start(path: path, arguments: arguments, environment: nil, stdin: stdinStream, stdout: .devNull, stderr: .devNull)
        if input != nil { close(fds[0]) }
        guard case .success(let pid) = started else {
            if input != nil { close(fds[1]) }
            return started.map { _ in 0 }
        }
        if let input {
            try? FileIO.writeAll(fds[1], input)
            close(fds[1])
        }
        return .success(wait(pid))
    }
}

/// Decoding of wait statuses (the C macros are not imported into Swift).
enum WaitStatus {
    static func exited(_ s: Int32) -> Bool { s & 0x7F == 0 }
    static func exitCode(_ s: Int32) -> Int32 { (s >> 8) & 0xFF }
    static func signaled(_ s: Int32) -> Bool { (s & 0x7F) != 0 && (s & 0x7F) != 0x7F }
    static func signal(_ s: Int32) -> Int32 { s & 0x7F }
}
