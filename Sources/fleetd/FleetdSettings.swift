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

        var supervisor = SupervisorConfig(socketDirectory: config.string(forKey: "socketDir", default: "/run/fleet/vms"))
        supervisor.heartbeatInterval = .seconds(config.double(forKey: "heartbeat.intervalSeconds", default: 5))
        supervisor.missThreshold = config.int(forKey: "heartbeat.missThreshold", default: 2)
        supervisor.commandTimeout = .seconds(config.double(forKey: "timeouts.commandSeconds", default: 5))
        supervisor.longCommandTimeout = .seconds(config.double(forKey: "timeouts.longCommandSeconds", default: 60))
        supervisor.syncTimeout = .seconds(config.double(forKey: "timeouts.syncSeconds", default: 5))
        supervisor.syncResend = .milliseconds(config.int(forKey: "sync.resendMilliseconds", default: 500))
        supervisor.backoffInitial = .milliseconds(config.int(forKey: "backoff.initialMilliseconds", default: 250))
        supervisor.backoffMax = .seconds(config.double(forKey: "backoff.maxSeconds", default: 30))
        supervisor.rescanInterval = .seconds(config.double(forKey: "discovery.rescanSeconds", default: 30))
        supervisor.inventoryConcurrency = max(1, config.int(forKey: "inventory.concurrency", default: 64))
        for item in InventoryItem.allCases {
            let seconds = config.double(forKey: ConfigKey("inventory.\(item.rawValue)Seconds"), default: Double(item.defaultInterval.components.seconds))
            supervisor.inventoryIntervals[item] = .seconds(seconds)
        }
        supervisor.replyLimits.maxMessageBytes = config.int(forKey: "replies.maxBytes", default: 32 << 20)

        let levelText = config.string(forKey: "logLevel", default: "info")
        guard let level = Logger.Level(rawValue: levelText) else {
            throw FleetdError("logLevel '\(levelText)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        return FleetdSettings(
            supervisor: supervisor,
            database: config.string(forKey: "database", default: "/var/lib/fleet/fleet.db"),
            controlSocket: config.string(forKey: "controlSocket", default: "/run/fleet/fleetd.sock"),
            controlGroups: ControlGroups(
                socket: config.string(forKey: "control.socketGroup", default: "fleet"),
                read: config.string(forKey: "control.readGroup", default: "fleet"),
                operate: config.string(forKey: "control.operateGroup", default: "fleet-operate"),
                admin: config.string(forKey: "control.adminGroup", default: "fleet-admin")),
            logLevel: level,
            retentionDays: config.int(forKey: "retention.days", default: 90))
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
