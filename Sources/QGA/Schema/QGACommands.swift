// Every baseline command (the QEMU 2.5 schema), one type each; newer ones are in QGACommandsNewer.swift.
// Names follow the wire name in UpperCamelCase + "Command".

public enum GuestSyncDelimitedCommand: QGACommand {
    public typealias Arguments = GuestSyncArguments
    public typealias Result = Int64
    public static let name = "guest-sync-delimited"
    public static let smallReply = true
    public static let allowedWhileFrozen = true
}

public enum GuestSyncCommand: QGACommand {
    public typealias Arguments = GuestSyncArguments
    public typealias Result = Int64
    public static let name = "guest-sync"
    public static let smallReply = true
    public static let allowedWhileFrozen = true
}

public enum GuestPingCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = QGAEmpty
    public static let name = "guest-ping"
    public static let smallReply = true
    public static let allowedWhileFrozen = true
}

public enum GuestGetTimeCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    /// Nanoseconds since the epoch.
    public typealias Result = Int64
    public static let name = "guest-get-time"
    public static let smallReply = true
}

public enum GuestSetTimeCommand: QGACommand {
    public typealias Arguments = GuestSetTimeArguments
    public typealias Result = QGAEmpty
    public static let name = "guest-set-time"
    public static let smallReply = true
}

public enum GuestInfoCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = GuestAgentInfo
    public static let name = "guest-info"
    public static let smallReply = true
    public static let allowedWhileFrozen = true
}

public enum GuestShutdownCommand: QGACommand {
    public typealias Arguments = GuestShutdownArguments
    public typealias Result = QGAEmpty
    public static let name = "guest-shutdown"
    public static let smallReply = true
    public static let successResponse = false
}

public enum GuestFileOpenCommand: QGACommand {
    public typealias Arguments = GuestFileOpenArguments
    /// The handle.
    public typealias Result = Int64
    public static let name = "guest-file-open"
    public static let smallReply = true
}

public enum GuestFileCloseCommand: QGACommand {
    public typealias Arguments = GuestFileHandleArguments
    public typealias Result = QGAEmpty
    public static let name = "guest-file-close"
    public static let smallReply = true
}

public enum GuestFileReadCommand: QGACommand {
    public typealias Arguments = GuestFileReadArguments
    public typealias Result = GuestFileRead
    public static let name = "guest-file-read"
}

public enum GuestFileWriteCommand: QGACommand {
    public typealias Arguments = GuestFileWriteArguments
    public typealias Result = GuestFileWrite
    public static let name = "guest-file-write"
    public static let smallReply = true
}

public enum GuestFileSeekCommand: QGACommand {
    public typealias Arguments = GuestFileSeekArguments
    public typealias Result = GuestFileSeek
    public static let name = "guest-file-seek"
}

public enum GuestFileFlushCommand: QGACommand {
    public typealias Arguments = GuestFileHandleArguments
    public typealias Result = QGAEmpty
    public static let name = "guest-file-flush"
}

public enum GuestFsfreezeStatusCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = GuestFsfreezeStatus
    public static let name = "guest-fsfreeze-status"
    public static let smallReply = true
    public static let allowedWhileFrozen = true
}

public enum GuestFsfreezeFreezeCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    /// Filesystems frozen.
    public typealias Result = Int64
    public static let name = "guest-fsfreeze-freeze"
    public static let smallReply = true
}

public enum GuestFsfreezeFreezeListCommand: QGACommand {
    public typealias Arguments = GuestFsfreezeFreezeListArguments
    public typealias Result = Int64
    public static let name = "guest-fsfreeze-freeze-list"
}

public enum GuestFsfreezeThawCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    /// Filesystems thawed.
    public typealias Result = Int64
    public static let name = "guest-fsfreeze-thaw"
    public static let smallReply = true
    public static let allowedWhileFrozen = true
}

public enum GuestFstrimCommand: QGACommand {
    public typealias Arguments = GuestFstrimArguments
    public typealias Result = GuestFilesystemTrimResponse
    public static let name = "guest-fstrim"
}

public enum GuestSuspendDiskCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = QGAEmpty
    public static let name = "guest-suspend-disk"
    public static let successResponse = false
}

public enum GuestSuspendRamCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = QGAEmpty
    public static let name = "guest-suspend-ram"
    public static let successResponse = false
}

public enum GuestSuspendHybridCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = QGAEmpty
    public static let name = "guest-suspend-hybrid"
    public static let successResponse = false
}

public enum GuestNetworkGetInterfacesCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = [GuestNetworkInterface]
    public static let name = "guest-network-get-interfaces"
    public static let smallReply = true
}

public enum GuestGetVcpusCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = [GuestLogicalProcessor]
    public static let name = "guest-get-vcpus"
    public static let smallReply = true
}

public enum GuestSetVcpusCommand: QGACommand {
    public typealias Arguments = GuestSetVcpusArguments
    /// Length of the prefix of `vcpus` that was applied.
    public typealias Result = Int64
    public static let name = "guest-set-vcpus"
}

public enum GuestGetFsinfoCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = [GuestFilesystemInfo]
    public static let name = "guest-get-fsinfo"
    public static let smallReply = true
}

public enum GuestSetUserPasswordCommand: QGACommand {
    public typealias Arguments = GuestSetUserPasswordArguments
    public typealias Result = QGAEmpty
    public static let name = "guest-set-user-password"
}

public enum GuestGetMemoryBlocksCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = [GuestMemoryBlock]
    public static let name = "guest-get-memory-blocks"
    public static let smallReply = true
}

public enum GuestSetMemoryBlocksCommand: QGACommand {
    public typealias Arguments = GuestSetMemoryBlocksArguments
    public typealias Result = [GuestMemoryBlockResponse]
    public static let name = "guest-set-memory-blocks"
}

public enum GuestGetMemoryBlockInfoCommand: QGACommand {
    public typealias Arguments = QGAEmpty
    public typealias Result = GuestMemoryBlockInfo
    public static let name = "guest-get-memory-block-info"
    public static let smallReply = true
}

public enum GuestExecStatusCommand: QGACommand {
    public typealias Arguments = GuestExecStatusArguments
    public typealias Result = GuestExecStatus
    public static let name = "guest-exec-status"
}

public enum GuestExecCommand: QGACommand {
    public typealias Arguments = GuestExecArguments
    public typealias Result = GuestExec
    public static let name = "guest-exec"
    public static let smallReply = true
}
