import CLinuxSupport
import FleetAPI
import FleetStore
import FleetSupervisor
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import QGA
import ServiceLifecycle

// Swift tasks run on the event loops that do fleetd's I/O instead of a separate thread pool: a
// session's call to its agent then resumes on the loop that read the reply, without waking
// another thread. At 10,000 VMs (several hundred inventory commands a second) those thread
// switches cost more CPU than the commands (BENCHMARKS.md). First thing, before any task starts.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
// fleetd: supervises every VM whose QGA socket is in the socket directory and records what it
// learns in SQLite. See config/fleetd.yaml for every setting.
if CommandLine.arguments.contains("--version") {
    print("fleetd \(FleetVersion.current) (schema \(FleetStore.migrationNames.last ?? "none"))")
    exit(0)
}
if CommandLine.arguments.contains("--defaults") {
    print(SettingKeys.listing, terminator: "")
    exit(0)
}
if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") {
    print("""
        Usage: fleetd [--config FILE] [--socket-dir DIR] [--database FILE] [--control-socket PATH] [--log-level LEVEL]
               fleetd --sources proxmox [--proxmox-dir DIR] [--proxmox-config-dir DIR] ...
               fleetd --defaults      (every setting with its default)

        Supervises every VM whose QEMU guest agent socket (NAME.sock) is in the socket directory,
        or every VM of a Proxmox VE node (--sources proxmox, or proxmox,sockets for both), and
        records state, inventory and history in SQLite. Every key of the config file can be
        given as a flag (heartbeat.intervalSeconds → --heartbeat-interval-seconds) or as a
        FLEETD_* variable (FLEETD_HEARTBEAT_INTERVAL_SECONDS). Defaults: config/fleetd.yaml.

        Examples:
          fleetd --config /etc/fleet/fleetd.yaml
          fleetd --socket-dir /run/fleet/vms --database /var/lib/fleet/fleet.db
          fleetd --sources proxmox        (/var/run/qemu-server/VMID.qga, /etc/pve/qemu-server/VMID.conf)
        """)
    exit(0)
}

let settings: FleetdSettings
do {
    settings = try await FleetdSettings.load()
} catch {
    FileHandle.standardError.write(Data("fleetd: \(error)\n".utf8))
    exit(2)
}
let logLevel = settings.logLevel
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = logLevel
    return handler
}
let logger = Logger(label: "fleetd")
// A hostile guest can make fleetd hold megabytes for a moment (a reply up to its cap). glibc's
// dynamic mmap threshold would then keep such buffers in the heap once freed, and RSS would
// ratchet up with every one: pin the threshold so large buffers always go back to the kernel.
fleet_tune_malloc()
// One descriptor per VM connection: take every descriptor the hard limit allows.
var openFiles = rlimit()
if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &openFiles) == 0, openFiles.rlim_cur < openFiles.rlim_max {
    openFiles.rlim_cur = openFiles.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &openFiles)
}
// Metrics go to one Prometheus registry, served at /metrics on the control socket.
let metricsRegistry = PrometheusCollectorRegistry()
var metricsFactory = PrometheusMetricsFactory(registry: metricsRegistry)
// Heartbeat round trips on a local socket are sub-millisecond; the default buckets start at 5 ms.
metricsFactory.defaultDurationHistogramBuckets = [
    .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
    .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
    .seconds(1), .seconds(2.5), .seconds(5),
]
MetricsSystem.bootstrap(metricsFactory)

do {
    for (what, path) in settings.supervisor.sources.flatMap(\.requiredDirectories) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FleetdError("\(what) '\(path)' does not exist")
        }
    }
    let databaseDirectory = URL(fileURLWithPath: settings.database).deletingLastPathComponent()
    try FileManager.default.createDirectory(at: databaseDirectory, withIntermediateDirectories: true)
    let store = try FleetStore(path: settings.database)
    let supervisor = Supervisor(config: settings.supervisor, store: store, logger: logger)
    let control = try ControlServer.makeService(
        config: settings.controlSocketConfig(logger: logger), supervisor: supervisor, reader: store, audit: store, registry: metricsRegistry,
        logger: logger)
    let group = ServiceGroup(
        services: [
            SupervisorService(supervisor: supervisor),
            RetentionService(store: store, days: settings.retentionDays, logger: logger),
            control,
        ],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger)
    logger.info("fleetd \(FleetVersion.current) starting: database \(settings.database)")
    try await group.run()
    logger.info("fleetd stopped")
} catch {
    logger.critical("\(error)")
    exit(1)
}
