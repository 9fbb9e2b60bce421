#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the agent reads and changes the system. Production uses `/` and the real PATH;
/// tests point `root` at a fixture tree (proc, sys, etc) and `searchPath` at recording
/// stand-ins for shutdown, hwclock, chpasswd and systemctl, so handlers that would change this
/// machine can be exercised safely.
struct LinuxSystem {
    /// Prefix for /proc, /sys and /etc reads and sysfs writes.
    var root: String = "/"
    /// Directories searched for helper programs and guest-exec paths.
    var searchPath: [String] = LinuxSystem.environmentPath()

    func path(_ absolute: String) -> String {
        root == "/" ? absolute : root + absolute
    }

    static func environmentPath() -> [String] {
        let value = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        return value.split(separator: ":").map(String.init)
    }

    /// The full path of a program: as given when it contains a slash, else the first match in
    /// `searchPath`.
    func findProgram(_ name: String) -> String? {
        if name.contains("/") { return FileIO.isExecutable(name) ? name : nil }
        for dir in searchPath where !dir.isEmpty {
            let candidate = dir + "/" + name
            if FileIO.isExecutable(candidate) { return candidate }
        }
        return nil
    }

    struct Account {
        var name: String
        var uid: uid_t
        var gid: gid_t
        var home: String
    }

    /// A user account: from the fixture's etc/passwd under a test root, else through NSS.
    func account(named name: String) -> Account? {
        if root != "/" {
            guard let text = try? FileIO.readText(path("/etc/passwd")) else { return nil }
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count >= 7, parts[0] == name, let uid = uid_t(parts[2]), let gid = gid_t(parts[3]) else { continue }
                return Account(name: name, uid: uid, gid: gid, home: String(parts[5]))
            }
            return nil
        }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, let found = result else { return nil }
        return Account(name: name, uid: found.pointee.pw_uid, gid: found.pointee.pw_gid, home: String(cString: found.pointee.pw_dir))
    }
}
