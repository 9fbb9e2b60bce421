import FleetSupervisor

/// One fleetd setting: its key (`heartbeat.intervalSeconds`, also the flag
/// `--heartbeat-interval-seconds` and the variable `FLEETD_HEARTBEAT_INTERVAL_SECONDS`) and its
/// default, written as config/fleetd.yaml writes it.
struct Setting: Sendable {
    enum Default: Sendable, Equatable {
        case text(String)
        case integer(Int)
        case seconds(Double)
    }

    let key: String
    let defaultValue: Default

    /// The default as YAML shows it.
    var yamlValue: String {
        switch defaultValue {
        // A glob's leading `*` would read as a YAML alias: quote what YAML would misread.
        case .text(let text): text.first.map { "*&!|>%@`'\"{[#?:-,".contains($0) } == true ? "\"\(text)\"" : text
        case .integer(let value): String(value)
        case .seconds(let value): value == value.rounded() ? String(Int(value)) : String(value)
        }
    }
}

/// Every fleetd setting with its default: the only place fleetd's defaults are written (the
/// supervisor's come from `SupervisorConfig` itself). `fleetd --defaults` prints them, and a
/// test holds config/fleetd.yaml to this list, key for key and value for value.
enum SettingKeys {
    private static let base = SupervisorConfig(socketDirectory: "/run/fleet/vms")

    static let sources = Setting(key: "sources", defaultValue: .text(FleetdSourceKind.sockets.rawValue))
    static let socketDir = Setting(key: "socketDir", defaultValue: .text("/run/fleet/vms"))
    static let socketPattern = Setting(key: "socketPattern", defaultValue: .text(SocketNaming.defaultPattern))
    static let qmpSocket = Setting(key: "qmpSocket", defaultValue: .text(MonitorNaming.defaultTemplate))
    static let connection = Setting(key: "connection", defaultValue: .text(ConnectionMode.exclusive.rawValue))
    static let proxmoxDir = Setting(key: "proxmox.dir", defaultValue: .text(ProxmoxPaths.defaultSocketDirectory))
    static let proxmoxConfigDir = Setting(key: "proxmox.configDir", defaultValue: .text(ProxmoxPaths.defaultConfigDirectory))
    static let proxmoxPoll = Setting(
        key: "proxmox.configPollMilliseconds", defaultValue: .integer(Int(base.proxmoxConfigPoll.seconds * 1000)))
    static let database = Setting(key: "database", defaultValue: .text("/var/lib/fleet/fleet.db"))
    static let controlSocket = Setting(key: "controlSocket", defaultValue: .text("/run/fleet/fleetd.sock"))
    static let logLevel = Setting(key: "logLevel", defaultValue: .text("info"))
    static let socketGroup = Setting(key: "control.socketGroup", defaultValue: .text("fleet"))
    static let readGroup = Setting(key: "control.readGroup", defaultValue: .text("fleet"))
    static let operateGroup = Setting(key: "control.operateGroup", defaultValue: .text("fleet-operate"))
    static let adminGroup = Setting(key: "control.adminGroup", defaultValue: .text("fleet-admin"))
    static let heartbeatInterval = Setting(key: "heartbeat.intervalSeconds", defaultValue: .seconds(base.heartbeatInterval.seconds))
    static let missThreshold = Setting(key: "heartbeat.missThreshold", defaultValue: .integer(base.missThreshold))
    static let bootGrace = Setting(key: "heartbeat.bootGraceSeconds", defaultValue: .seconds(base.bootGrace.seconds))
    static let flapChanges = Setting(key: "flapping.changes", defaultValue: .integer(base.flapPolicy.changes))
    static let flapWindow = Setting(key: "flapping.windowSeconds", defaultValue: .seconds(base.flapPolicy.window.seconds))
    static let flapStable = Setting(key: "flapping.stableSeconds", defaultValue: .seconds(base.flapPolicy.stableFor.seconds))
    static let freezeMax = Setting(key: "freeze.maxSeconds", defaultValue: .seconds(base.freezeMax.seconds))
    static let freezeThawAfter = Setting(key: "freeze.thawAfterSeconds", defaultValue: .seconds(base.freezeThawAfter.seconds))
    static let commandTimeout = Setting(key: "timeouts.commandSeconds", defaultValue: .seconds(base.commandTimeout.seconds))
    static let longCommandTimeout = Setting(key: "timeouts.longCommandSeconds", defaultValue: .seconds(base.longCommandTimeout.seconds))
    static let syncTimeout = Setting(key: "timeouts.syncSeconds", defaultValue: .seconds(base.syncTimeout.seconds))
    static let syncResend = Setting(key: "sync.resendMilliseconds", defaultValue: .integer(Int(base.syncResend.seconds * 1000)))
    static let sharedSyncWait = Setting(key: "sync.sharedWaitMilliseconds", defaultValue: .integer(Int(base.sharedSyncWait.seconds * 1000)))
    static let backoffInitial = Setting(key: "backoff.initialMilliseconds", defaultValue: .integer(Int(base.backoffInitial.seconds * 1000)))
    static let backoffMax = Setting(key: "backoff.maxSeconds", defaultValue: .seconds(base.backoffMax.seconds))
    static let rescan = Setting(key: "discovery.rescanSeconds", defaultValue: .seconds(base.rescanInterval.seconds))
    static let inventoryConcurrency = Setting(key: "inventory.concurrency", defaultValue: .integer(base.inventoryConcurrency))
    static func inventoryInterval(_ item: InventoryItem) -> Setting {
        Setting(key: "inventory.\(item.rawValue)Seconds", defaultValue: .seconds(item.defaultInterval.seconds))
    }
    static let replyMaxBytes = Setting(key: "replies.maxBytes", defaultValue: .integer(base.replyLimits.maxMessageBytes))
    static let retentionDays = Setting(key: "retention.days", defaultValue: .integer(90))

    /// In config/fleetd.yaml's order.
    static var all: [Setting] {
        [sources, socketDir, socketPattern, qmpSocket, connection, proxmoxDir, proxmoxConfigDir, proxmoxPoll, database, controlSocket, logLevel, socketGroup, readGroup, operateGroup, adminGroup, heartbeatInterval,
         missThreshold, bootGrace, flapChanges, flapWindow, flapStable, freezeMax, freezeThawAfter, commandTimeout, longCommandTimeout, syncTimeout, syncResend, sharedSyncWait, backoffInitial, backoffMax, rescan,
         inventoryConcurrency] + InventoryItem.allCases.map(inventoryInterval) + [replyMaxBytes, retentionDays]
    }

    /// `fleetd --defaults`: every key with its default, one `key: value` line each.
    static var listing: String {
        all.map { "\($0.key): \($0.yamlValue)\n" }.joined()
    }
}
