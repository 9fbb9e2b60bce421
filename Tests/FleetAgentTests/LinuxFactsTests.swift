import Foundation
import QGA
import Testing
@testable import FleetAgent

/// Handlers against this machine's /proc and /sys, and against fixture trees for what this
/// machine cannot show.
@Suite("Linux facts")
struct LinuxFactsTests {
    @Test("this machine: interfaces include loopback with 127.0.0.1/8 and counters")
    func loopback() throws {
        let interfaces = try NetworkCommands.interfaces(procNetDev: "/proc/net/dev")
        let lo = try #require(interfaces.first { $0.name == "lo" })
        #expect(lo.hardwareAddress == "00:00:00:00:00:00")
        #expect(lo.ipAddresses?.contains(GuestIpAddress(ipAddress: "127.0.0.1", ipAddressType: .ipv4, prefix: 8)) == true)
        #expect(lo.statistics != nil)
    }

    @Test("this machine: the root filesystem is listed with its usage")
    func rootFilesystem() throws {
        let harness = try Harness()
        harness.context.system.root = "/"
        let filesystems = try #require(harness.result(#"{"execute":"guest-get-fsinfo"}"#)?.arrayValue)
        let root = try #require(filesystems.first { $0["mountpoint"] == "/" })
        #expect((root["total-bytes"]?.uint64Value ?? 0) > 0)
        #expect((root["used-bytes"]?.uint64Value ?? 0) <= (root["total-bytes"]?.uint64Value ?? 0))
    }

    @Test("vcpus: online states, a CPU without an online file, and set-vcpus writing sysfs")
    func vcpus() throws {
        let harness = try Harness { _ in }
        try harness.write("/sys/devices/system/cpu/cpu0/topology/core_id", "0\n")
        try harness.write("/sys/devices/system/cpu/cpu1/online", "1\n")
        try harness.write("/sys/devices/system/cpu/cpu2/online", "0\n")
        try harness.write("/sys/devices/system/cpu/cpufreq/x", "")
        #expect(harness.result(#"{"execute":"guest-get-vcpus"}"#) == [
            ["logical-id": 0, "online": true, "can-offline": false],
            ["logical-id": 1, "online": true, "can-offline": true],
            ["logical-id": 2, "online": false, "can-offline": true],
        ])
        #expect(harness.result(#"{"execute":"guest-set-vcpus","arguments":{"vcpus":[{"logical-id":2,"online":true},{"logical-id":1,"online":false},{"logical-id":9,"online":true}]}}"#) == 2)
        #expect(harness.read("/sys/devices/system/cpu/cpu2/online") == "1")
        #expect(harness.read("/sys/devices/system/cpu/cpu1/online") == "0")
        #expect(harness.errorDesc(#"{"execute":"guest-set-vcpus","arguments":{"vcpus":[{"logical-id":0,"online":false}]}}"#)
            == "logical processor #0 can't be offlined")
    }

    @Test("memory blocks: listing, block size, and set-memory-blocks outcomes")
    func memoryBlocks() throws {
        let harness = try Harness()
        try harness.write("/sys/devices/system/memory/block_size_bytes", "8000000\n")
        try harness.write("/sys/devices/system/memory/memory0/state", "online\n")
        try harness.write("/sys/devices/system/memory/memory0/removable", "0\n")
        try harness.write("/sys/devices/system/memory/memory8/state", "offline\n")
        try harness.write("/sys/devices/system/memory/memory8/removable", "1\n")
        #expect(harness.result(#"{"execute":"guest-get-memory-block-info"}"#) == ["size": 134217728])
        #expect(harness.result(#"{"execute":"guest-get-memory-blocks"}"#) == [
            ["phys-index": 0, "online": true, "can-offline": false],
            ["phys-index": 8, "online": false, "can-offline": true],
        ])
        #expect(harness.result(#"{"execute":"guest-set-memory-blocks","arguments":{"mem-blks":[{"phys-index":8,"online":true},{"phys-index":0,"online":false},{"phys-index":5,"online":true}]}}"#) == [
            ["phys-index": 8, "response": "success"],
            ["phys-index": 0, "response": "operation-not-supported"],
            ["phys-index": 5, "response": "not-found"],
        ])
        #expect(harness.read("/sys/devices/system/memory/memory8/state") == "online")
    }

    @Test("/proc/stat ticks become milliseconds; short lines give fewer members")
    func cpuStats() {
        let stats = SystemInfoCommands.cpuStats(procStat: """
            cpu  10 0 5 100 1 0 0 0 0 0
            cpu0 10 0 5 100 1 0 0 2 0 0
            cpu1 3 4 5 6
            intr 12345
            """, ticksPerSecond: 100)
        #expect(stats == [
            .linux(GuestLinuxCpuStats(cpu: 0, user: 100, nice: 0, system: 50, idle: 1000, iowait: 10, irq: 0, softirq: 0, steal: 20, guest: 0, guestnice: 0)),
            .linux(GuestLinuxCpuStats(cpu: 1, user: 30, nice: 40, system: 50, idle: 60)),
        ])
    }

    @Test("/proc/diskstats with 14, 18 and 20 columns")
    func diskStats() {
        let stats = DiskCommands.diskStats("""
               8       0 sda 1 2 3 4 5 6 7 8 9 10 11
             253       0 dm-0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
               7       0 loop0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17
            """)
        #expect(stats.map(\.name) == ["sda", "dm-0", "loop0"])
        #expect(stats[0].stats.weightTicks == 11 && stats[0].stats.discardIos == nil)
        #expect(stats[1].stats.discardTicks == 15 && stats[1].stats.flushIos == nil)
        #expect(stats[2].stats.flushTicks == 17 && stats[2].major == 7)
    }

    @Test("routes from /proc/net/route and /proc/net/ipv6_route")
    func routes() throws {
        let harness = try Harness()
        try harness.write("/proc/net/route", """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            eth0\t00000000\t0202000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
            eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t1500\t0\t0

            """)
        try harness.write("/proc/net/ipv6_route", """
            fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0

            """)
        let routes = try #require(harness.result(#"{"execute":"guest-network-get-route"}"#)?.arrayValue)
        #expect(routes.count == 3)
        #expect(routes[0]["destination"] == "0.0.0.0" && routes[0]["gateway"] == "10.0.2.2" && routes[0]["metric"] == 100)
        #expect(routes[1]["destination"] == "10.0.2.0" && routes[1]["mask"] == "255.255.255.0" && routes[1]["mtu"] == 1500)
        #expect(routes[2]["destination"] == "fd00::" && routes[2]["desprefixlen"] == "64" && routes[2]["version"] == 6 && routes[2]["metric"] == 256)
    }

    @Test("load average, os-release quoting, time zone")
    func systemInfo() throws {
        let harness = try Harness()
        try harness.write("/proc/loadavg", "0.50 0.25 1.75 2/300 12345\n")
        #expect(harness.result(#"{"execute":"guest-get-load"}"#) == ["load1": 0.5, "load5": 0.25, "load15": 1.75])
        try harness.write("/etc/os-release", """
            NAME="Fleet Linux"
            ID=fleet
            # a comment
            PRETTY_NAME='Fleet "Test" Linux'
            VERSION="1.0 \\"beta\\""
            VERSION_ID=1.0
            VARIANT_ID=server

            """)
        let info = try #require(harness.result(#"{"execute":"guest-get-osinfo"}"#))
        #expect(info["name"] == "Fleet Linux" && info["id"] == "fleet" && info["pretty-name"] == "Fleet \"Test\" Linux")
        #expect(info["version"] == "1.0 \"beta\"" && info["version-id"] == "1.0" && info["variant-id"] == "server")
        #expect(info["kernel-release"]?.stringValue?.isEmpty == false)
        #expect(harness.result(#"{"execute":"guest-get-timezone"}"#)?["offset"] != nil)
    }

    @Test("users from utmp: one entry per user, earliest login, only user processes")
    func users() throws {
        let harness = try Harness()
        var bytes: [UInt8] = []
        bytes += UtmpRecord.encode(type: 7, user: "alice", seconds: 2000, micros: 500_000)
        bytes += UtmpRecord.encode(type: 7, user: "bob", seconds: 1500, micros: 0)
        bytes += UtmpRecord.encode(type: 7, user: "alice", seconds: 1000, micros: 250_000)
        bytes += UtmpRecord.encode(type: 8, user: "carol", seconds: 900, micros: 0)
        bytes += UtmpRecord.encode(type: 2, user: "reboot", seconds: 10, micros: 0)
        try FileManager.default.createDirectory(at: harness.root.appendingPathComponent("var/run"), withIntermediateDirectories: true)
        try Data(bytes).write(to: harness.root.appendingPathComponent("var/run/utmp"))
        #expect(harness.result(#"{"execute":"guest-get-users"}"#) == [
            ["user": "alice", "login-time": 1000.25],
            ["user": "bob", "login-time": 1500],
        ])
    }

    @Test("mountinfo: escapes, pseudo filesystems skipped, optional fields")
    func mountinfo() throws {
        let harness = try Harness()
        try harness.write("/proc/self/mountinfo", """
            22 27 0:21 / /proc rw,relatime - proc proc rw
            27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            30 27 8:17 / /mnt/my\\040disk rw master:3 - xfs /dev/sdb1 rw
            31 27 0:40 / /srv rw - btrfs /nonexistent-device rw
            32 27 0:41 / / rw - rootfs rootfs rw

            """)
        let mounts = try Mounts.list(harness.context.system)
        #expect(mounts == [
            Mount(mountpoint: "/", type: "ext4", source: "/dev/vda", major: 254, minor: 0),
            Mount(mountpoint: "/mnt/my disk", type: "xfs", source: "/dev/sdb1", major: 8, minor: 17),
        ])
    }

    @Test("sysfs paths: PCI and SCSI addresses, partitions and device-mapper slaves")
    func blockDevices() throws {
        let harness = try Harness()
        let base = "/sys/devices/pci0000:00/0000:00:05.0/host0/target0:0:1/0:0:1:3/block/sda"
        try harness.write(base + "/sda1/partition", "1\n")
        try harness.write(base + "/device/serial", "QM0001\n")
        try harness.write("/sys/devices/virtual/block/dm-0/dm/name", "vg-root\n")
        try FileManager.default.createDirectory(at: harness.root.appendingPathComponent("sys/devices/virtual/block/dm-0/slaves"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: harness.root.appendingPathComponent("sys/devices/virtual/block/dm-0/slaves/sda1").path,
            withDestinationPath: harness.root.path + base + "/sda1")
        let devices = BlockDevices(system: harness.context.system)
        let address = try #require(devices.address(of: harness.root.path + base))
        #expect(address.pciController == GuestPCIAddress(domain: 0, bus: 0, slot: 5, function: 0))
        #expect(address.busType == .scsi && address.bus == 0 && address.target == 1 && address.unit == 3)
        #expect(address.serial == "QM0001" && address.dev == "/dev/sda")
        #expect(devices.disks(under: harness.root.path + "/sys/devices/virtual/block/dm-0") == [harness.root.path + base])
    }
}
