// Commands added after the QEMU 2.5 baseline: up to 7.2 (Debian bookworm's qemu-ga), then later.
// Names follow the wire name in UpperCamelCase + "Command".

public enum GuestGetHostNameCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = GuestHostName
    public static let name = "guest-get-host-name"
    public static let smallReply = true
    public static let origin = QGACommandOrigin.qemu72
}

public enum GuestGetUsersCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = [GuestUser]
    public static let name = "guest-get-users"
    public static let smallReply = true
    public static let origin = QGACommandOrigin.qemu72
}

public enum GuestGetTimezoneCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = GuestTimezone
    public static let name = "guest-get-timezone"
    public static let smallReply = true
    public static let origin = QGACommandOrigin.qemu72
}

public enum GuestGetOSInfoCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = GuestOSInfo
    public static let name = "guest-get-osinfo"
    public static let smallReply = true
    public static let origin = QGACommandOrigin.qemu72
}

public enum GuestGetDevicesCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = [GuestDeviceInfo]
    public static let name = "guest-get-devices"
    public static let origin = QGACommandOrigin.qemu72
}

public enum GuestGetDisksCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = [GuestDiskInfo]
    public static let name = "guest-get-disks"
    public static let origin = QGACommandOrigin.qemu72
}

public enum GuestSSHGetAuthorizedKeysCommand: QGACommand {
    public typealias Arguments = GuestSSHGetAuthorizedKeysArguments
    public typealias Result = GuestAuthorizedKeys
    public static let name = "guest-ssh-get-authorized-keys"
    public static let origin = QGACommandOrigin.qemu72
}

public enum GuestSSHAddAuthorizedKeysCommand: QGACommand {
    public typealias Arguments = GuestSSHAddAuthorizedKeysArguments
    public typealias Result = QGAEmpty
    public static let name = "guest-ssh-add-authorized-keys"
    public static let origin = QGACommandOrigin.qemu72
}

public enum GuestSSHRemoveAuthorizedKeysCommand: QGACommand {
    public typealias Arguments = GuestSSHRemoveAuthorizedKeysArguments
    public typealias Result = QGAEmpty
    public static let name = "guest-ssh-remove-authorized-keys"
    public static let origin = QGACommandOrigin.qemu72
}

public enum GuestGetDiskstatsCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = [GuestDiskStatsInfo]
    public static let name = "guest-get-diskstats"
    public static let origin = QGACommandOrigin.qemu72
}

public enum GuestGetCpustatsCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = [GuestCpuStats]
    public static let name = "guest-get-cpustats"
    public static let origin = QGACommandOrigin.qemu72
}

// After qemu-ga 7.2.

public enum GuestNetworkGetRouteCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = [GuestNetworkRoute]
    public static let name = "guest-network-get-route"
    public static let origin = QGACommandOrigin.later
}

public enum GuestGetLoadCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = GuestLoadAverage
    public static let name = "guest-get-load"
    public static let origin = QGACommandOrigin.later
}
