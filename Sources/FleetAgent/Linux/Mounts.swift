#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A mounted filesystem as /proc/self/mountinfo describes it.
struct Mount: Equatable {
    var mountpoint: String
    var type: String
    var source: String
    var major: UInt32
    var minor: UInt32
}

/// The filesystems qemu-ga considers: local ones backed by a block device. Pseudo filesystems
/// (device major 0: proc, sysfs, tmpfs, cgroup, ...) are left out, except those whose source is
/// a device node (btrfs reports major 0), whose numbers are then taken from the node.
enum Mounts {
    static func list(_ system: LinuxSystem) throws(SystemError) -> [Mount] {
        let text = try FileIO.readText(system.path("/proc/self/mountinfo"))
        var mounts: [Mount] = []
        for line in text.split(separator: "\n") {
            guard let mount = parse(line) else { continue }
            if mount.type == "rootfs" { continue }
            if mount.major == 0 {
                guard mount.source.hasPrefix("/dev/") else { continue }
                var info = stat()
                guard stat(mount.source, &info) == 0, (info.st_mode & S_IFMT) == S_IFBLK else { continue }
                var resolved = mount
                let dev = UInt64(info.st_rdev)
                resolved.major = UInt32(truncatingIfNeeded: ((dev >> 8) & 0xFFF) | ((dev >> 32) & 0xFFFF_F000))
                resolved.minor = UInt32(truncatingIfNeeded: (dev & 0xFF) | ((dev >> 12) & 0xFFFF_FF00))
                mounts.append(resolved)
            } else {
                mounts.append(mount)
            }
        }
        return mounts
    }

    /// `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS`
    static func parse(_ line: Substring) -> Mount? {
        let fields = line.split(separator: " ")
        guard fields.count >= 7, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { return nil }
        let numbers = fields[2].split(separator: ":")
        guard numbers.count == 2, let major = UInt32(numbers[0]), let minor = UInt32(numbers[1]) else { return nil }
        return Mount(
            mountpoint: unescape(fields[4]), type: String(fields[dash + 1]), source: unescape(fields[dash + 2]),
            major: major, minor: minor)
    }

    /// mountinfo writes space, tab, newline and backslash as octal escapes (\040 ...).
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "\\"), i + 3 < raw.count,
                let value = UInt8(String(decoding: raw[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(raw[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
