import QGA

/// Block devices through sysfs: which disks a filesystem lies on (through partitions and
/// device-mapper layers) and where each disk sits on its bus, for guest-get-fsinfo and
/// guest-get-disks.
struct BlockDevices {
    let system: LinuxSystem

    /// /sys/devices/... path of a block device given its numbers.
    func sysfsPath(major: UInt32, minor: UInt32) -> String? {
        let link = system.path("/sys/dev/block/\(major):\(minor)")
        return resolve(link)
    }

    /// Follows a sysfs symlink to the canonical /sys/devices path (relative targets included).
    func resolve(_ path: String) -> String? {
        guard let target = FileIO.readLink(path) else { return FileIO.exists(path) ? path : nil }
        if target.hasPrefix("/") { return normalize(target) }
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return normalize(parent + "/" + target)
    }

    private func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    func name(of devicePath: String) -> String { String(devicePath.split(separator: "/").last ?? "") }

    func isPartition(_ devicePath: String) -> Bool { FileIO.exists(devicePath + "/partition") }

    /// The whole disks under a device: a partition's parent, a dm/md device's slaves (recursively).
    func disks(under devicePath: String, depth: Int = 0) -> [String] {
        guard depth < 16 else { return [] }
        if isPartition(devicePath) {
            let parent = devicePath.split(separator: "/").dropLast().joined(separator: "/")
            return ["/" + parent]
        }
        let slaves = FileIO.list(devicePath + "/slaves").sorted()
        if slaves.isEmpty { return [devicePath] }
        return slaves.flatMap { slave in
            resolve(devicePath + "/slaves/" + slave).map { disks(under: $0, depth: depth + 1) } ?? []
        }
    }

    func isVirtual(_ devicePath: String) -> Bool { devicePath.contains("/devices/virtual/") }

    /// Bus type and address parsed from the device's sysfs path, e.g.
    /// /sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda or .../host0/target0:0:1/0:0:1:0/block/sda.
    func address(of diskPath: String) -> GuestDiskAddress? {
        let components = diskPath.split(separator: "/").map(String.init)
        guard let pciComponent = components.last(where: { Self.parsePCI($0) != nil }),
            let pci = Self.parsePCI(pciComponent)
        else { return nil }
        var busType = GuestDiskBusType.unknown
        var bus: Int64 = 0, target: Int64 = 0, unit: Int64 = 0
        if components.contains(where: { $0.hasPrefix("virtio") }) {
            busType = .virtio
        }
        if components.contains(where: { $0.hasPrefix("nvme") }) { busType = .nvme }
        if components.contains(where: { $0.hasPrefix("usb") }) { busType = .usb }
        if let hctl = components.last(where: { Self.parseHCTL($0) != nil }), let numbers = Self.parseHCTL(hctl) {
            bus = numbers[1]
            target = numbers[2]
            unit = numbers[3]
            if busType == .unknown {
                busType = components.contains(where: { $0.hasPrefix("ata") }) ? .sata : .scsi
            }
        }
        let name = name(of: diskPath)
        let serial = [diskPath + "/serial", diskPath + "/device/serial"].lazy
            .compactMap { FileIO.readTrimmed($0) }.first { !$0.isEmpty }
        return GuestDiskAddress(
            pciController: pci, busType: busType, bus: bus, target: target, unit: unit,
            serial: serial, dev: "/dev/" + name)
    }

    /// `DDDD:BB:SS.F`
    static func parsePCI(_ text: String) -> GuestPCIAddress? {
        let parts = text.split(separator: ":")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2 else { return nil }
        let slotFunction = parts[2].split(separator: ".")
        guard slotFunction.count == 2, let domain = Int64(parts[0], radix: 16), let bus = Int64(parts[1], radix: 16),
            let slot = Int64(slotFunction[0], radix: 16), let function = Int64(slotFunction[1], radix: 16)
        else { return nil }
        return GuestPCIAddress(domain: domain, bus: bus, slot: slot, function: function)
    }

    /// SCSI `host:channel:target:lun`.
    static func parseHCTL(_ text: String) -> [Int64]? {
        let parts = text.split(separator: ":")
        guard parts.count == 4 else { return nil }
        let numbers = parts.compactMap { Int64($0) }
        return numbers.count == 4 ? numbers : nil
    }
}
