#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QGA

/// guest-set-user-password and guest-ssh-get/add/remove-authorized-keys.
enum AccountCommands {
    static func register(_ registry: inout CommandRegistry) {
        registry.register(GuestSetUserPasswordCommand.self) { args, context throws(QGAError) in
            let password = try QGABase64.decode(args.password)
            guard !args.username.contains(":"), !args.username.contains("\n") else {
                throw .generic("forbidden characters in username")
            }
            guard !password.contains(UInt8(ascii: "\n")) else {
                throw .generic("forbidden characters in raw password")
            }
            guard let chpasswd = context.system.findProgram("chpasswd") else {
                throw .generic("cannot find 'chpasswd' program in PATH")
            }
            let input = Array("\(args.username):".utf8) + password + [UInt8(ascii: "\n")]
            let status = try HelperProgram.run(chpasswd, args.crypted ? ["-e"] : [], input: input)
            guard WaitStatus.exitCode(status) == 0 else { throw .generic("child process has failed to set user password") }
            return QGAEmpty()
        }

        registry.register(GuestSSHGetAuthorizedKeysCommand.self) { args, context throws(QGAError) in
            let account = try lookup(args.username, context)
            let path = account.home + "/.ssh/authorized_keys"
            let text: String
            do throws(SystemError) { text = try FileIO.readText(path, limit: 16 << 20) } catch {
                throw .generic("failed to read '\(path)': \(glibFileError("open", path, error))")
            }
            return GuestAuthorizedKeys(keys: keyLines(text))
        }

        registry.register(GuestSSHAddAuthorizedKeysCommand.self) { args, context throws(QGAError) in
            for key in args.keys { try validate(key) }
            let account = try lookup(args.username, context)
            let path = account.home + "/.ssh/authorized_keys"
            var keys: [String] = []
            if args.reset != true, let text = try? FileIO.readText(path, limit: 16 << 20) {
                keys = keyLines(text, keepComments: true)
            }
            for key in args.keys where !keys.contains(key) { keys.append(key) }
            try writeKeys(keys, account: account)
            return QGAEmpty()
        }

        registry.register(GuestSSHRemoveAuthorizedKeysCommand.self) { args, context throws(QGAError) in
            for key in args.keys { try validate(key) }
            let account = try lookup(args.username, context)
            let path = account.home + "/.ssh/authorized_keys"
            let text: String
            do throws(SystemError) { text = try FileIO.readText(path, limit: 16 << 20) } catch {
                // Nothing to remove from a file that does not exist.
                if error.code == ENOENT { return QGAEmpty() }
                throw .generic("failed to read '\(path)': \(glibFileError("open", path, error))")
            }
            let kept = keyLines(text, keepComments: true).filter { !args.keys.contains($0) }
            try writeKeys(kept, account: account)
            return QGAEmpty()
        }
    }

    /// GLib's wording of a file error, which qemu-ga passes through ("Failed to open file “…”: …").
    static func glibFileError(_ verb: String, _ path: String, _ error: SystemError) -> String {
        "Failed to \(verb) file \u{201C}\(path)\u{201D}: \(error)"
    }

    static func lookup(_ user: String, _ context: AgentContext) throws(QGAError) -> LinuxSystem.Account {
        errno = 0
        guard let account = context.system.account(named: user) else {
            throw .generic("failed to lookup user '\(user)': \(SystemError(errno))")
        }
        return account
    }

    static func validate(_ key: String) throws(QGAError) {
        if key.isEmpty || key.contains("\n") { throw .generic("invalid OpenSSH public key: '\(key)'") }
    }

    /// The file's keys; comments and blank lines are skipped when reading for the caller but
    /// kept when rewriting the file, so an edit never loses the administrator's notes.
    static func keyLines(_ text: String, keepComments: Bool = false) -> [String] {
        text.split(separator: "\n").map { $0.trimmingWhitespace() }.filter {
            !$0.isEmpty && (keepComments || !$0.hasPrefix("#"))
        }
    }

    /// Writes ~/.ssh/authorized_keys atomically, owned by the user, mode 0600 (and ~/.ssh 0700).
    static func writeKeys(_ keys: [String], account: LinuxSystem.Account) throws(QGAError) {
        let directory = account.home + "/.ssh"
        if !FileIO.exists(directory) {
            guard mkdir(directory, 0o700) == 0 else { throw .generic("failed to create directory '\(directory)': \(SystemError())") }
            _ = chown(directory, account.uid, account.gid)
        }
        let path = directory + "/authorized_keys"
        let temporary = path + ".fleet-agent.tmp"
        let contents = keys.isEmpty ? "" : keys.joined(separator: "\n") + "\n"
        do throws(SystemError) {
            try FileIO.write(temporary, Array(contents.utf8), create: true, mode: 0o600)
        } catch {
            throw .generic("failed to write '\(path)': \(glibFileError("create", temporary, error))")
        }
        _ = chmod(temporary, 0o600)
        _ = chown(temporary, account.uid, account.gid)
        guard rename(temporary, path) == 0 else {
            let error = SystemError()
            unlink(temporary)
            throw .generic("failed to write '\(path)': \(error)")
        }
    }
}
