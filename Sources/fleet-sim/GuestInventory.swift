import Foundation
import QGA

/// A simulated guest's facts: derived from its index and the clock, so they are realistic,
/// distinct per VM, and change slowly (counters and disk usage grow; every `churnSeconds` an
/// address, a login and the clock drift move on) without any per-VM timers.
struct GuestInventory: Sendable {
    let index: Int
    let name: String
    let churnSeconds: Double
    let started = Date()

    static let systems: [GuestOSInfo] = [
        GuestOSInfo(kernelRelease: "6.1.0-26-amd64", kernelVersion: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1", machine: "x86_64",
                    id: "debian", name: "Debian GNU/Linux", prettyName: "Debian GNU/Linux 12 (bookworm)", version: "12 (bookworm)", versionId: "12"),
        GuestOSInfo(kernelRelease: "6.8.0-45-generic", kernelVersion: "#45-Ubuntu SMP PREEMPT_DYNAMIC", machine: "x86_64",
                    id: "ubuntu", name: "Ubuntu", prettyName: "Ubuntu 24.04.1 LTS", version: "24.04.1 LTS (Noble Numbat)", versionId: "24.04"),
        GuestOSInfo(kernelRelease: "5.14.0-427.13.1.el9_4.x86_64", kernelVersion: "#1 SMP PREEMPT_DYNAMIC", machine: "x86_64",
                    id: "rocky", name: "Rocky Linux", prettyName: "Rocky Linux 9.4 (Blue Onyx)", version: "9.4 (Blue Onyx)", versionId: "9.4"),
        GuestOSInfo(kernelRelease: "6.6.58-0-lts", kernelVersion: "#1-Alpine SMP PREEMPT_DYNAMIC", machine: "x86_64",
                    id: "alpine", name: "Alpine Linux", prettyName: "Alpine Linux v3.20", versionId: "3.20.3"),
    ]

    /// How many churn periods have passed, offset per VM so that the fleet does not change at once.
    var epoch: Int { Int((Date().timeIntervalSince(started) + Double(index % 997) * churnSeconds / 997) / churnSeconds) }
    var uptime: Double { Date().timeIntervalSince(started) }

    var osInfo: GuestOSInfo { Self.systems[index % Self.systems.count] }
    var hostName: GuestHostName { GuestHostName(hostName: name) }
    var timezone: GuestTimezone { GuestTimezone(zone: "UTC", offset: 0) }

    var interfaces: [GuestNetworkInterface] {
        let a = (index >> 8) & 0xFF, b = index & 0xFF
        let mac = String(format: "52:54:00:%02x:%02x:%02x", (index >> 16) & 0xFF, a, b)
        let seconds = UInt64(uptime)
        let counters = GuestNetworkInterfaceStat(
            rxBytes: 1_000_000 + seconds * 1500, rxPackets: 1000 + seconds, rxErrs: 0, rxDropped: 0,
            txBytes: 500_000 + seconds * 700, txPackets: 800 + seconds, txErrs: 0, txDropped: 0)
        // The secondary address is renumbered every churn period (a DHCP lease moving on).
        let lease = 10 + epoch % 200
        return [
            GuestNetworkInterface(
                name: "lo", hardwareAddress: "00:00:00:00:00:00",
                ipAddresses: [GuestIpAddress(ipAddress: "127.0.0.1", ipAddressType: .ipv4, prefix: 8),
                              GuestIpAddress(ipAddress: "::1", ipAddressType: .ipv6, prefix: 128)],
                statistics: counters),
            GuestNetworkInterface(
                name: "eth0", hardwareAddress: mac,
                ipAddresses: [GuestIpAddress(ipAddress: "10.\(index >> 16 & 0xFF).\(a).\(b)", ipAddressType: .ipv4, prefix: 8),
                              GuestIpAddress(ipAddress: String(format: "fd00::%x", index + 1), ipAddressType: .ipv6, prefix: 64)],
                statistics: counters),
            GuestNetworkInterface(
                name: "eth1", hardwareAddress: String(format: "52:54:01:%02x:%02x:%02x", (index >> 16) & 0xFF, a, b),
                ipAddresses: [GuestIpAddress(ipAddress: "172.16.\(a).\(lease)", ipAddressType: .ipv4, prefix: 16)],
                statistics: counters),
        ]
    }

    var filesystems: [GuestFilesystemInfo] {
        let disk = GuestDiskAddress(
            pciController: GuestPCIAddress(domain: 0, bus: 0, slot: 4, function: 0), busType: .virtio, bus: 0, target: 0, unit: 0,
            serial: "sim-\(index)", dev: "/dev/vda")
        let grown = UInt64(uptime) * 4096
        return [
            GuestFilesystemInfo(name: "vda1", mountpoint: "/", type: "ext4", usedBytes: 3_000_000_000 + grown, totalBytes: 20_000_000_000, disk: [disk]),
            GuestFilesystemInfo(name: "vda2", mountpoint: "/var", type: "xfs", usedBytes: 1_000_000_000 + grown * 3, totalBytes: 50_000_000_000, disk: [disk]),
        ]
    }

    var vcpus: [GuestLogicalProcessor] {
        (0..<(index % 2 == 0 ? 2 : 4)).map { GuestLogicalProcessor(logicalId: Int64($0), online: true, canOffline: $0 != 0) }
    }

    var memoryBlockInfo: GuestMemoryBlockInfo { GuestMemoryBlockInfo(size: 128 << 20) }
    var memoryBlocks: [GuestMemoryBlock] { (0..<16).map { GuestMemoryBlock(physIndex: UInt64($0), online: true, canOffline: $0 > 0) } }

    /// Someone logs in for every other churn period.
    var users: [GuestUser] {
        epoch % 2 == 0 ? [] : [GuestUser(user: "ops", loginTime: started.timeIntervalSince1970 + Double(epoch) * churnSeconds)]
    }

    /// The guest clock: the host's plus a drift that steps by 100 ms every few periods.
    var time: Int64 {
        let drift = Int64((index % 21) - 10) * 100_000_000 + Int64(epoch / 3 % 5) * 100_000_000
        return Int64(Date().timeIntervalSince1970 * 1e9) + drift
    }
}
