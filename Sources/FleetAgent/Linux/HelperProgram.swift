import QGA

/// Runs the system helpers qemu-ga runs (shutdown, hwclock, chpasswd, systemctl, pm-utils)
/// and words their failures as qemu-ga does.
enum HelperProgram {
    /// Runs to completion; throws when it could not start or died on a signal, else returns the
    /// wait status (exit code checked by the caller, whose message differs per helper).
    static func run(_ path: String, _ arguments: [String], input: [UInt8]? = nil) throws(QGAError) -> Int32 {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        switch Spawn.run(path: path, arguments: [name] + arguments, input: input) {
        case .failure(let error):
            throw .generic("failed to create child process: \(error)")
        case .success(let status):
            guard WaitStatus.exited(status) else { throw .generic("child process has terminated abnormally") }
            return status
        }
    }
}
