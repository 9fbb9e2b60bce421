import Configuration
import FleetSupervisor
import Logging
import SystemPackage

/// fleetd's settings, read from flags, then FLEETD_* variables, then the YAML file named by
/// --config (config/fleetd.yaml documents every key and default).
struct FleetdSettings {
    var supervisor: SupervisorConfig
    var database: String
    var controlSocket: String
    /// Group names (or numbers) from `control.*`; resolved when the socket is made.
    var controlGroups: ControlGroups
    var logLevel: Logger.Level
    var retentionDays: Int

    static let defaultConfigFile = "/etc/fleet/fleetd.yaml"

    static func load(arguments: [String] = CommandLine.arguments) async throws -> FleetdSettings {
        let flags = CommandLineArgumentsProvider(arguments: arguments)
        let environment = EnvironmentVariablesProvider().prefixKeys(with: "fleetd")
        let bootstrap = ConfigReader(providers: [flags, environment])
        let explicit = bootstrap.string(forKey: "config")
        let file = try await FileProvider<YAMLSnapshot>(
            filePath: FilePath(explicit ?? defaultConfigFile), allowMissing: explicit == nil)
        let config = ConfigReader(providers: [flags, environment, file])

        let keys = SettingKeys.self
        func text(_ setting: Setting) -> String {
            guard case .text(let fallback) = setting.defaultValue else { preconditionFailure("\(setting.key) is not text") }
            return config.string(forKey: ConfigKey(setting.key), default: fallback)
        }
        func integer(_ setting: Setting) -> Int {
            guard case .integer(let fallback) = setting.defaultValue else { preconditionFailure("\(setting.key) is not an integer") }
            return config.int(forKey: ConfigKey(setting.key), default: fallback)
        }
        func seconds(_ setting: Setting) -> Duration {
            guard case .seconds(let fallback) = setting.defaultValue else { preconditionFailure("\(setting.key) is not seconds") }
            return .seconds(config.double(forKey: ConfigKey(setting.key), default: fallback))
        }

        var supervisor = SupervisorConfig(sources: [])
        for kind in try FleetdSourceKind.chosen(config) {
            switch kind {
            case .sockets:
                let connectionText = text(keys.connection)
                guard let connection = ConnectionMode(rawValue: connectionText) else {
                    throw FleetdError("connection '\(connectionText)' is not one of \(ConnectionMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let qmp = text(keys.qmpSocket)
                let monitors = MonitorNaming(template: qmp)
                guard monitors != nil || qmp.isEmpty else { throw FleetdError("qmpSocket '\(qmp)' needs {name} and no '/' (or is empty: no QMP)") }
                supervisor.sources.append(
                    .directory(path: text(keys.socketDir), naming: SocketNaming(pattern: text(keys.socketPattern)), connection: connection, monitors: monitors))
            case .proxmox:
                supervisor.sources.append(.proxmox(ProxmoxPaths(socketDirectory: text(keys.proxmoxDir), configDirectory: text(keys.proxmoxConfigDir))))
            }
        }
        supervisor.proxmoxConfigPoll = .milliseconds(max(50, integer(keys.proxmoxPoll)))
        supervisor.sharedSyncWait = .milliseconds(max(1, integer(keys.sharedSyncWait)))
        supervisor.heartbeatInterval = seconds(keys.heartbeatInterval)
        supervisor.missThreshold = integer(keys.missThreshold)
        supervisor.bootGrace = seconds(keys.bootGrace)
        supervisor.flapPolicy = FlapWindow.Policy(
            changes: max(0, integer(keys.flapChanges)), window: seconds(keys.flapWindow), stableFor: seconds(keys.flapStable))
        supervisor.freezeMax = max(.seconds(1), seconds(keys.freezeMax))
        supervisor.freezeThawAfter = max(.seconds(1), seconds(keys.freezeThawAfter))
        supervisor.commandTimeout = seconds(keys.commandTimeout)
        supervisor.longCommandTimeout = seconds(keys.longCommandTimeout)
        supervisor.syncTimeout = seconds(keys.syncTimeout)
        supervisor.syncResend = .milliseconds(integer(keys.syncResend))
        supervisor.backoffInitial = .milliseconds(integer(keys.backoffInitial))
        supervisor.backoffMax = seconds(keys.backoffMax)
        supervisor.rescanInterval = seconds(keys.rescan)
        supervisor.inventoryConcurrency = max(1, integer(keys.inventoryConcurrency))
        for item in InventoryItem.allCases {
            supervisor.inventoryIntervals[item] = seconds(keys.inventoryInterval(item))
        }
        supervisor.replyLimits.maxMessageBytes = integer(keys.replyMaxBytes)

        let levelText = text(keys.logLevel)
        guard let level = Logger.Level(rawValue: levelText) else {
            throw FleetdError("logLevel '\(levelText)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        return FleetdSettings(
            supervisor: supervisor,
            database: text(keys.database),
            controlSocket: text(keys.controlSocket),
            controlGroups: ControlGroups(
                socket: text(keys.socketGroup), read: text(keys.readGroup), operate: text(keys.operateGroup), admin: text(keys.adminGroup)),
            logLevel: level,
            retentionDays: integer(keys.retentionDays))
    }
}

struct ControlGroups {
    var socket: String
    var read: String
    var operate: String
    var admin: String
}

struct FleetdError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
