#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxSupport
import QGA

/// guest-get-host-name, guest-get-users, guest-get-timezone, guest-get-osinfo, guest-get-load,
/// guest-get-cpustats.
enum SystemInfoCommands {
    static func register(_ registry: inout CommandRegistry) {
        registry.register(GuestGetHostNameCommand.self) { _, _ throws(QGAError) in
            var buffer = [CChar](repeating: 0, count: 256)
            guard gethostname(&buffer, buffer.count - 1) == 0 else { throw .generic("cannot get hostname: \(SystemError())") }
            return GuestHostName(hostName: String(cBuffer: buffer))
        }
        registry.register(GuestGetUsersCommand.self) { _, context in users(utmp: context.system.path("/var/run/utmp")) }
        registry.register(GuestGetTimezoneCommand.self) { _, _ in timezone() }
        registry.register(GuestGetOSInfoCommand.self) { _, context in osInfo(context.system) }
        registry.register(GuestGetLoadCommand.self) { _, context throws(QGAError) in
            let text: String
            do { text = try FileIO.readText(context.system.path("/proc/loadavg")) } catch {
                throw .generic("failed to read /proc/loadavg: \(error)")
            }
            let values = text.fields.prefix(3).compactMap { Double($0) }
            guard values.count == 3 else { throw .generic("failed to parse /proc/loadavg") }
            return GuestLoadAverage(load1: values[0], load5: values[1], load15: values[2])
        }
        registry.register(GuestGetCpustatsCommand.self) { _, context throws(QGAError) in
            let text: String
            do { text = try FileIO.readText(context.system.path("/proc/stat")) } catch {
                throw .generic("failed to open file '/proc/stat': \(error)")
            }
            return cpuStats(procStat: text, ticksPerSecond: UInt64(max(1, sysconf(Int32(_SC_CLK_TCK)))))
        }
    }

    /// Logged-in users from utmp, one entry per user with their earliest login, as qemu-ga does.
    static func users(utmp path: String) -> [GuestUser] {
        guard let data = try? FileIO.read(path, limit: 64 << 20) else { return [] }
        var earliest: [String: Double] = [:]
        var order: [String] = []
        for record in UtmpRecord.parse(data) where record.type == UtmpRecord.userProcess && !record.user.isEmpty {
            if let known = earliest[record.user] {
                if record.time < known { earliest[record.user] = record.time }
            } else {
                earliest[record.user] = record.time
                order.append(record.user)
            }
        }
        return order.map { GuestUser(user: $0, loginTime: earliest[$0]!) }
    }

    /// The standard-time zone abbreviation and its offset east of UTC.
    static func timezone() -> GuestTimezone {
        tzset()
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        if local.tm_isdst > 0 {
            // Find the standard half of the year: look six months away.
            var other = now + 183 * 86400
            var candidate = tm()
            localtime_r(&other, &candidate)
            if candidate.tm_isdst == 0 { local = candidate }
        }
        let zone = local.tm_zone.map { String(cString: $0) }
        return GuestTimezone(zone: zone, offset: Int64(local.tm_gmtoff))
    }

    static func osInfo(_ system: LinuxSystem) -> GuestOSInfo {
        var info = GuestOSInfo()
        var names = utsname()
        if uname(&names) == 0 {
            func field<T>(_ value: T) -> String {
                withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            }
            info.kernelRelease = field(names.release)
            info.kernelVersion = field(names.version)
            info.machine = field(names.machine)
        }
        // QGA_OS_RELEASE names the file to read instead (qemu-ga's test hook, honoured too).
        let candidates: [String]
        if let override = getenv("QGA_OS_RELEASE") {
            candidates = [String(cString: override)]
        } else {
            candidates = [system.path("/etc/os-release"), system.path("/usr/lib/os-release")]
        }
        for path in candidates {
            guard let text = try? FileIO.readText(path, limit: 1 << 20) else { continue }
            let values = OSRelease.parse(text)
            info.id = values["ID"]
            info.name = values["NAME"]
            info.prettyName = values["PRETTY_NAME"]
            info.version = values["VERSION"]
            info.versionId = values["VERSION_ID"]
            info.variant = values["VARIANT"]
            info.variantId = values["VARIANT_ID"]
            break
        }
        return info
    }

    /// Per-CPU lines of /proc/stat, converted from clock ticks to milliseconds like qemu-ga.
    static func cpuStats(procStat: String, ticksPerSecond: UInt64) -> [GuestCpuStats] {
        var result: [GuestCpuStats] = []
        for line in procStat.split(separator: "\n") where line.hasPrefix("cpu") {
            let columns = line.fields
            guard let number = Int64(columns[0].dropFirst(3)) else { continue }  // skip the "cpu" total
            let values = columns.dropFirst().map { (UInt64($0) ?? 0) * 1000 / ticksPerSecond }
            guard values.count >= 4 else { continue }
            func optional(_ i: Int) -> UInt64? { i < values.count ? values[i] : nil }
            result.append(.linux(GuestLinuxCpuStats(
                cpu: number, user: values[0], nice: values[1], system: values[2], idle: values[3],
                iowait: optional(4), irq: optional(5), softirq: optional(6), steal: optional(7),
                guest: optional(8), guestnice: optional(9))))
        }
        return result
    }
}
