/// fleet-agent's settings, with qemu-ga 7.2's names and defaults (plus newer qemu-ga's
/// allow-rpcs). Filled from the key file first, then from the command line.
struct AgentConfig: Equatable {
    enum Method: String, Equatable, CaseIterable {
        case virtioSerial = "virtio-serial"
        case isaSerial = "isa-serial"
        case unixListen = "unix-listen"
        case vsockListen = "vsock-listen"
    }

    static let defaultVirtioPath = "/dev/virtio-ports/org.qemu.guest_agent.0"
    static let defaultSerialPath = "/dev/ttyS0"
    static let defaultConfigFile = "/etc/qemu/qemu-ga.conf"
    static let defaultHook = "/etc/qemu/fsfreeze-hook"

    var daemonize = false
    var method = Method.virtioSerial
    var path: String?
    var logfile: String?
    var pidfile = "/var/run/qemu-ga.pid"
    var fsfreezeHook: String?
    var statedir = "/var/run"
    var verbose = false
    var retryPath = false
    /// Kept in qemu-ga's order, which `-D` shows: the key file's names as written, then each
    /// command-line list with its names reversed (qemu-ga prepends while splitting).
    var blockRPCs: [String] = []
    var allowRPCs: [String]?
    /// fleet-agent's own channel, served beside the standard one when the guest has it: a
    /// virtio-serial port nobody but fleetd uses, so that fleetd's persistent connection never
    /// takes the standard port from the management stack. Key-file keys `fleet-method` and
    /// `fleet-path` (qemu-ga has neither); an empty `fleet-path` turns it off.
    var fleetMethod = Method.virtioSerial
    var fleetPath = Self.defaultFleetPath

    static let defaultFleetPath = "/dev/virtio-ports/org.fleet.agent.0"

    /// The channel path, defaulted per method as qemu-ga does.
    func effectivePath() throws(AgentConfigError) -> String {
        if let path { return path }
        switch method {
        case .virtioSerial: return Self.defaultVirtioPath
        case .isaSerial: return Self.defaultSerialPath
        case .unixListen, .vsockListen: throw AgentConfigError("must specify a path for this channel")
        }
    }

    mutating func addBlocked(_ list: String) {
        blockRPCs += list.split(separator: ",").reversed().map(String.init)
    }

    mutating func addAllowed(_ list: String) {
        allowRPCs = (allowRPCs ?? []) + list.split(separator: ",").reversed().map(String.init)
    }

    /// Applies the `[general]` group of a qemu-ga key file.
    mutating func apply(_ file: KeyFile) throws(AgentConfigError) {
        let group = "general"
        func bool(_ key: String) throws(AgentConfigError) -> Bool? {
            switch file.bool(group: group, key: key) {
            case .none: return nil
            case .some(nil): throw AgentConfigError("invalid boolean value for '\(key)' in the config file")
            case .some(let value?): return value
            }
        }
        if let value = try bool("daemon") { daemonize = value }
        if let value = file.value(group: group, key: "method") {
            guard let parsed = Method(rawValue: value) else { throw AgentConfigError("invalid method: \(value)") }
            method = parsed
        }
        if let value = file.value(group: group, key: "path") { path = value }
        if let value = file.value(group: group, key: "logfile") { logfile = value }
        if let value = file.value(group: group, key: "pidfile") { pidfile = value }
        if let value = file.value(group: group, key: "fsfreeze-hook") {
            // qemu-ga takes a boolean here too: true means the default hook.
            switch value {
            case "true", "1": fsfreezeHook = Self.defaultHook
            case "false", "0": fsfreezeHook = nil
            default: fsfreezeHook = value
            }
        }
        if let value = file.value(group: group, key: "statedir") { statedir = value }
        if let value = try bool("verbose") { verbose = value }
        if let value = try bool("retry-path") { retryPath = value }
        if let list = file.list(group: group, key: "block-rpcs") { blockRPCs = list }
        if let list = file.list(group: group, key: "allow-rpcs") { allowRPCs = list }
        if let value = file.value(group: group, key: "fleet-method") {
            guard let parsed = Method(rawValue: value), parsed != .vsockListen else { throw AgentConfigError("invalid fleet-method: \(value)") }
            fleetMethod = parsed
        }
        if let value = file.value(group: group, key: "fleet-path") { fleetPath = value }
    }

    /// Where to serve fleet-agent's own channel, if anywhere: a device only when the guest has
    /// it (the port exists), a listening socket when asked for; never the standard channel's path.
    func fleetChannel(standardPath: String, exists: (String) -> Bool) -> (method: Method, path: String)? {
        guard !fleetPath.isEmpty, fleetPath != standardPath else { return nil }
        guard fleetMethod == .unixListen || exists(fleetPath) else { return nil }
        return (fleetMethod, fleetPath)
    }

    /// `-D`: the effective configuration as a key file qemu-ga could read back.
    func dump() -> String {
        var lines = ["[general]", "daemon=\(daemonize)", "method=\(method.rawValue)"]
        if let path = try? effectivePath() { lines.append("path=\(path)") }
        if let logfile { lines.append("logfile=\(logfile)") }
        lines.append("pidfile=\(pidfile)")
        if let fsfreezeHook { lines.append("fsfreeze-hook=\(fsfreezeHook)") }
        lines.append("statedir=\(statedir)")
        lines.append("verbose=\(verbose)")
        lines.append("retry-path=\(retryPath)")
        lines.append("block-rpcs=\(blockRPCs.joined(separator: ","))")
        if let allowRPCs { lines.append("allow-rpcs=\(allowRPCs.joined(separator: ","))") }
        // fleet-agent's own keys only when set: with the defaults, -D reads as qemu-ga's.
        if fleetMethod != .virtioSerial { lines.append("fleet-method=\(fleetMethod.rawValue)") }
        if fleetPath != Self.defaultFleetPath { lines.append("fleet-path=\(fleetPath)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

struct AgentConfigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
