#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxSupport
import QGA

/// guest-exec's children: started with posix_spawn, stdin fed and output captured through the
/// reactor while the agent keeps serving, reaped on SIGCHLD. Like qemu-ga, a process counts as
/// exited once it has been reaped *and* its captured streams reached end-of-file, output beyond
/// 16 MiB per stream is dropped and flagged, and the first status that reports the exit forgets
/// the process.
final class ExecTable {
    static let captureLimit = 16 << 20
    /// A host that never reads statuses cannot make the agent track children without end.
    static let maxTracked = 1024
    /// Output held for all children together. Beyond it, output is dropped and flagged as
    /// truncated, so the agent's memory stays bounded whatever it is asked to run.
    static let totalCaptureBudget = 256 << 20

    final class Capture {
        let fd: Int32
        var data: [UInt8] = []
        var truncated = false
        var closed = false
        init(fd: Int32) { self.fd = fd }
    }

    final class Child {
        let pid: pid_t
        var waitStatus: Int32?
        var stdout: Capture?
        var stderr: Capture?
        var input: [UInt8] = []
        var inputOffset = 0
        var inputFD: Int32 = -1

        init(pid: pid_t) { self.pid = pid }

        var finished: Bool {
            waitStatus != nil && (stdout?.closed ?? true) && (stderr?.closed ?? true)
        }
    }

    private let reactor: Reactor
    private let log: AgentLog
    private var children: [pid_t: Child] = [:]
    private var capturedTotal = 0

    init(reactor: Reactor, log: AgentLog) {
        self.reactor = reactor
        self.log = log
    }

    var trackedCount: Int { children.count }

    func start(_ arguments: GuestExecArguments, system: LinuxSystem) throws(QGAError) -> GuestExec {
        guard children.count < Self.maxTracked else {
            throw .generic("too many guest-exec processes are tracked (\(Self.maxTracked)); read their status first")
        }
        let input = try arguments.inputData.map { (text: String) throws(QGAError) -> [UInt8] in try QGABase64.decode(text) }
        let mode = arguments.captureOutput?.effectiveMode ?? .none
        // GLib's message, with its curly quotes, is what qemu-ga reports for a missing program.
        func spawnFailure(_ error: SystemError) -> QGAError {
            .commandFailed("Failed to execute child process \u{201C}\(arguments.path)\u{201D} (\(error.description))")
        }
        guard let program = system.findProgram(arguments.path) else { throw spawnFailure(SystemError(ENOENT)) }

        var opened: [Int32] = []
        func makePipe() throws(QGAError) -> (read: Int32, write: Int32) {
            var fds: [Int32] = [-1, -1]
            guard fleet_pipe_cloexec(&fds) == 0 else {
                opened.forEach { close($0) }
                throw .commandFailed("Failed to create pipe (\(SystemError().description))")
            }
            opened += fds
            return (fds[0], fds[1])
        }
        let stdinPipe = input == nil ? nil : try makePipe()
        let captureOut = mode == .stdout || mode == .separated || mode == .merged
        let captureErr = mode == .stderr || mode == .separated
        let outPipe = captureOut ? try makePipe() : nil
        let errPipe = captureErr ? try makePipe() : nil

        let started = Spawn.start(
            path: program, arguments: [arguments.path] + (arguments.arg ?? []), environment: arguments.env,
            stdin: stdinPipe.map { .pipe(child: $0.read, parent: $0.write) } ?? .devNull,
            stdout: outPipe.map { .pipe(child: $0.write, parent: $0.read) } ?? .devNull,
            stderr: mode == .merged ? .sameAsStdout : errPipe.map { .pipe(child: $0.write, parent: $0.read) } ?? .devNull)
        // The child's ends belong to the child now.
        for end in [stdinPipe?.read, outPipe?.write, errPipe?.write].compactMap({ $0 }) { close(end) }
        let pid: pid_t
        switch started {
        case .success(let p): pid = p
        case .failure(let error):
            for end in [stdinPipe?.write, outPipe?.read, errPipe?.read].compactMap({ $0 }) { close(end) }
            throw spawnFailure(error)
        }

        let child = Child(pid: pid)
        children[pid] = child
        if let outPipe { child.stdout = watchCapture(outPipe.read, child) }
        if let errPipe { child.stderr = watchCapture(errPipe.read, child) }
        if let stdinPipe, let input { feed(input, to: stdinPipe.write, child) }
        log.debug("guest-exec started pid \(pid): \(arguments.path)")
        return GuestExec(pid: Int64(pid))
    }

    private func watchCapture(_ fd: Int32, _ child: Child) -> Capture {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let capture = Capture(fd: fd)
        reactor.watch(fd, events: Int16(POLLIN)) { [unowned self] _ in self.drain(capture) }
        return capture
    }

    private func drain(_ capture: Capture) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in retryingEINTR { read(capture.fd, raw.baseAddress, raw.count) } }
            if n > 0 {
                let room = max(0, min(Self.captureLimit - capture.data.count, Self.totalCaptureBudget - capturedTotal))
                if n > room { capture.truncated = true }
                if room > 0 {
                    let kept = min(n, room)
                    capture.data.append(contentsOf: buffer[..<kept])
                    capturedTotal += kept
                }
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            // End of file (or an error, which ends the stream just the same).
            reactor.unwatch(capture.fd)
            close(capture.fd)
            capture.closed = true
            return
        }
    }

    private func feed(_ input: [UInt8], to fd: Int32, _ child: Child) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        child.input = input
        child.inputFD = fd
        guard !input.isEmpty else { return finishInput(child) }
        reactor.watch(fd, events: Int16(POLLOUT)) { [unowned self] _ in self.writeInput(child) }
    }

    private func writeInput(_ child: Child) {
        while child.inputOffset < child.input.count {
            let n = child.input.withUnsafeBytes { raw in
                retryingEINTR { write(child.inputFD, raw.baseAddress! + child.inputOffset, raw.count - child.inputOffset) }
            }
            if n > 0 { child.inputOffset += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            break  // EPIPE: the child stopped reading
        }
        finishInput(child)
    }

    private func finishInput(_ child: Child) {
        reactor.unwatch(child.inputFD)
        close(child.inputFD)
        child.inputFD = -1
        child.input = []
    }

    /// Collects every exited child (called when SIGCHLD arrives).
    func reap() {
        for child in children.values where child.waitStatus == nil {
            var status: Int32 = 0
            if retryingEINTR({ waitpid(child.pid, &status, WNOHANG) }) == child.pid {
                child.waitStatus = status
            }
        }
    }

    func status(pid: Int64) throws(QGAError) -> GuestExecStatus {
        guard let key = pid_t(exactly: pid), let child = children[key] else { throw .generic("Invalid parameter 'pid'") }
        reap()
        // Output that arrived just before the exit may still sit in the pipes.
        for capture in [child.stdout, child.stderr].compactMap({ $0 }) where !capture.closed { drain(capture) }
        guard child.finished, let status = child.waitStatus else { return GuestExecStatus(exited: false) }
        children[key] = nil
        capturedTotal -= (child.stdout?.data.count ?? 0) + (child.stderr?.data.count ?? 0)
        var result = GuestExecStatus(exited: true)
        if WaitStatus.exited(status) {
            result.exitcode = Int64(WaitStatus.exitCode(status))
        } else if WaitStatus.signaled(status) {
            result.signal = Int64(WaitStatus.signal(status))
        }
        if let out = child.stdout, !out.data.isEmpty {
            result.outData = QGABase64.encode(out.data)
            result.outTruncated = out.truncated
        }
        if let err = child.stderr, !err.data.isEmpty {
            result.errData = QGABase64.encode(err.data)
            result.errTruncated = err.truncated
        }
        return result
    }
}
