#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QGA

/// guest-get-fsinfo, guest-get-disks, guest-get-diskstats.
enum DiskCommands {
    static func register(_ registry: inout CommandRegistry) {
        registry.register(GuestGetFsinfoCommand.self) { _, context throws(QGAError) in
            let mounts: [Mount]
            do { mounts = try Mounts.list(context.system) } catch { throw .generic("failed to read mount list: \(error)") }
            let devices = BlockDevices(system: context.system)
            return mounts.reversed().map { filesystemInfo($0, devices) }
        }
        registry.register(GuestGetDisksCommand.self) { _, context in disks(BlockDevices(system: context.system)) }
        registry.register(GuestGetDiskstatsCommand.self) { _, context throws(QGAError) in
            let text: String
            do { text = try FileIO.readText(context.system.path("/proc/diskstats")) } catch {
                throw .generic("failed to open file '/proc/diskstats': \(error)")
            }
            return diskStats(text)
        }
    }

    static func filesystemInfo(_ mount: Mount, _ devices: BlockDevices) -> GuestFilesystemInfo {
        let devicePath = devices.sysfsPath(major: mount.major, minor: mount.minor)
        let name = devicePath.map(devices.name(of:)) ?? "\(mount.major):\(mount.minor)"
        var info = GuestFilesystemInfo(name: name, mountpoint: mount.mountpoint, type: mount.type, disk: [])
        var usage = statvfs()
        if statvfs(mount.mountpoint, &usage) == 0 {
            let used = UInt64(usage.f_blocks - usage.f_bfree) * UInt64(usage.f_frsize)
            info.usedBytes = used
            // What a non-root user can reach: used plus available, as qemu-ga and df report.
            info.totalBytes = used + UInt64(usage.f_bavail) * UInt64(usage.f_frsize)
        }
        if let devicePath {
            info.disk = devices.disks(under: devicePath).compactMap(devices.address(of:))
        }
        return info
    }

    static func disks(_ devices: BlockDevices) -> [GuestDiskInfo] {
        var result: [GuestDiskInfo] = []
        for name in FileIO.list(devices.system.path("/sys/block")).sorted() {
            // Virtual devices (loop, zram, ...) are left out as qemu-ga does, except device-mapper
            // volumes, which are listed with the disks they depend on.
            guard let path = devices.resolve(devices.system.path("/sys/block/" + name)), !devices.isVirtual(path) || name.hasPrefix("dm-") else { continue }
            var disk = GuestDiskInfo(name: "/dev/" + name, partition: false, dependencies: [])
            let slaves = FileIO.list(path + "/slaves").sorted()
            disk.dependencies = slaves.map { "/dev/" + $0 }
            if slaves.isEmpty { disk.address = devices.address(of: path) }
            if let alias = FileIO.readTrimmed(path + "/dm/name"), !alias.isEmpty { disk.alias = alias }
            result.append(disk)
            for child in FileIO.list(path).sorted() where devices.isPartition(path + "/" + child) {
                result.append(GuestDiskInfo(name: "/dev/" + child, partition: true, dependencies: ["/dev/" + name]))
            }
        }
        return result
    }

    /// /proc/diskstats: `major minor name` then up to 17 counters, depending on the kernel.
    static func diskStats(_ text: String) -> [GuestDiskStatsInfo] {
        text.split(separator: "\n").compactMap { line in
            let f = line.fields
            guard f.count >= 14, let major = UInt64(f[0]), let minor = UInt64(f[1]) else { return nil }
            let v = f.dropFirst(3).map { UInt64($0) }
            func at(_ i: Int) -> UInt64? { i < v.count ? v[i] : nil }
            var s = GuestDiskStats()
            s.readIos = at(0); s.readMerges = at(1); s.readSectors = at(2); s.readTicks = at(3)
            s.writeIos = at(4); s.writeMerges = at(5); s.writeSectors = at(6); s.writeTicks = at(7)
            s.iosPgr = at(8); s.totalTicks = at(9); s.weightTicks = at(10)
            s.discardIos = at(11); s.discardMerges = at(12); s.discardSectors = at(13); s.discardTicks = at(14)
            s.flushIos = at(15); s.flushTicks = at(16)
            return GuestDiskStatsInfo(name: String(f[2]), major: major, minor: minor, stats: s)
        }
    }
}
