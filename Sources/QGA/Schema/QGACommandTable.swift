/// The one list of commands. Order is the schema's: baseline first, then newer ones.
public enum QGACommandTable {
    public static let all: [any QGACommand.Type] = [
        GuestSyncDelimitedCommand.self, GuestSyncCommand.self, GuestPingCommand.self,
        GuestGetTimeCommand.self, GuestSetTimeCommand.self, GuestInfoCommand.self,
        GuestShutdownCommand.self, GuestFileOpenCommand.self, GuestFileCloseCommand.self,
        GuestFileReadCommand.self, GuestFileWriteCommand.self, GuestFileSeekCommand.self,
        GuestFileFlushCommand.self, GuestFsfreezeStatusCommand.self, GuestFsfreezeFreezeCommand.self,
        GuestFsfreezeFreezeListCommand.self, GuestFsfreezeThawCommand.self, GuestFstrimCommand.self,
        GuestSuspendDiskCommand.self, GuestSuspendRamCommand.self, GuestSuspendHybridCommand.self,
        GuestNetworkGetInterfacesCommand.self, GuestGetVcpusCommand.self, GuestSetVcpusCommand.self,
        GuestGetFsinfoCommand.self, GuestSetUserPasswordCommand.self, GuestGetMemoryBlocksCommand.self,
        GuestSetMemoryBlocksCommand.self, GuestGetMemoryBlockInfoCommand.self,
        GuestExecStatusCommand.self, GuestExecCommand.self,
        GuestGetHostNameCommand.self, GuestGetUsersCommand.self, GuestGetTimezoneCommand.self,
        GuestGetOSInfoCommand.self, GuestGetDevicesCommand.self, GuestGetDisksCommand.self,
        GuestSSHGetAuthorizedKeysCommand.self, GuestSSHAddAuthorizedKeysCommand.self,
        GuestSSHRemoveAuthorizedKeysCommand.self, GuestGetDiskstatsCommand.self,
        GuestGetCpustatsCommand.self,
        GuestNetworkGetRouteCommand.self, GuestGetLoadCommand.self,
    ]

    private static let byName: [String: any QGACommand.Type] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static func command(named name: String) -> (any QGACommand.Type)? { byName[name] }

    public static var infos: [QGACommandInfo] { all.map(info(for:)) }

    public static func info(for command: any QGACommand.Type) -> QGACommandInfo {
        QGACommandInfo(
            name: command.name,
            successResponse: command.successResponse,
            origin: command.origin,
            allowedWhileFrozen: command.allowedWhileFrozen,
            argumentsType: typeName(of: command, arguments: true),
            resultType: typeName(of: command, arguments: false))
    }

    private static func typeName<C: QGACommand>(of command: C.Type, arguments: Bool) -> String {
        arguments ? String(describing: C.Arguments.self) : String(describing: C.Result.self)
    }
}
