/// Where a Proxmox VE node keeps its VMs' agent sockets and configs.
public struct ProxmoxPaths: Sendable, Equatable {
    public static let defaultSocketDirectory = "/var/run/qemu-server"
    public static let defaultConfigDirectory = "/etc/pve/qemu-server"
    /// `VMID.qga`: the agent's socket, which Proxmox opens a connection on per command.
    public var socketDirectory: String
    /// `VMID.conf`: name, agent setting, lock.
    public var configDirectory: String

    public init(socketDirectory: String = defaultSocketDirectory, configDirectory: String = defaultConfigDirectory) {
        self.socketDirectory = socketDirectory
        self.configDirectory = configDirectory
    }
}

/// The VMs of a Proxmox VE node. Each `VMID.qga` is used in shared mode, one short exchange at
/// a time, so Proxmox's own per-command connections get the agent between fleetd's; a
/// `VMID.fleet` beside it (fleet-agent's own port, given on the VM's `args:` line) is fleetd's
/// alone and taken instead. The VM is named by its config's `name:` (VMID when it has none; a
/// name two VMs share gets `-VMID` on each). While the config has a `lock:` — a backup,
/// migration, snapshot — fleetd sends the VM nothing; a VM whose agent is off, or whose socket
/// has no config beside it, is listed and left alone.
public final class ProxmoxSource: VMSource {
    public let paths: ProxmoxPaths
    let pollInterval: Duration
    let configs: ProxmoxConfigs

    public init(paths: ProxmoxPaths, pollInterval: Duration = .seconds(1)) {
        self.paths = paths
        self.pollInterval = pollInterval
        self.configs = ProxmoxConfigs(directory: paths.configDirectory)
    }

    public var label: String { "Proxmox VMs (\(paths.socketDirectory), \(paths.configDirectory))" }

    public func scan() -> [DiscoveredVM] {
        configs.refresh()
        let known = configs.current
        let agents = Self.sockets(in: paths.socketDirectory, extension: "qga")
        let channels = Self.sockets(in: paths.socketDirectory, extension: "fleet")
        // VMs with a socket, and VMs whose agent is off (those have no socket while they run).
        let vmids = Set(agents.keys).union(channels.keys).union(known.filter { !$0.value.agentEnabled }.keys)
        let names = Self.names(vmids.map { ($0, known[$0]?.name) })
        return vmids.sorted().map { vmid in
            let config = known[vmid]
            let channel = channels[vmid]
            return DiscoveredVM(
                name: names[vmid] ?? String(vmid),
                socketPath: channel ?? agents[vmid] ?? "\(paths.socketDirectory)/\(vmid).qga",
                connection: channel == nil ? .shared : .exclusive,
                vmid: vmid,
                hold: hold(config, vmid: vmid))
        }
    }

    private func hold(_ config: ProxmoxVMConfig?, vmid: Int64) -> VMHold? {
        guard let config else { return .noConfig(config: configs.path(of: vmid)) }
        guard config.agentEnabled else { return .agentDisabled(config: configs.path(of: vmid)) }
        return config.lock.map(VMHold.locked)
    }

    /// Sockets named `VMID.ext`, by vmid.
    static func sockets(in directory: String, extension ext: String) -> [Int64: String] {
        var result: [Int64: String] = [:]
        for (name, path) in SocketDirectory.scan(directory, naming: SocketNaming(pattern: "*.\(ext)")) {
            guard let vmid = Int64(name), vmid > 0 else { continue }
            result[vmid] = path
        }
        return result
    }

    /// Each VM's name: its configured name, unless another VM has it too (then `NAME-VMID` for
    /// all of them, so no VM takes another's history); the vmid when it has none.
    static func names(_ vms: [(vmid: Int64, name: String?)]) -> [Int64: String] {
        var users: [String: Int] = [:]
        for vm in vms { if let name = vm.name { users[name, default: 0] += 1 } }
        var result: [Int64: String] = [:]
        for (vmid, name) in vms {
            guard let name else {
                result[vmid] = String(vmid)
                continue
            }
            result[vmid] = users[name, default: 0] > 1 ? "\(name)-\(vmid)" : name
        }
        return result
    }

    public func watch(_ changed: @escaping @Sendable () -> Void) throws -> any SourceWatch {
        // Any entry: VMID.qga and VMID.fleet come and go with the VM, and a rescan is cheap.
        let sockets = try SocketDirectoryWatcher(directory: paths.socketDirectory, naming: SocketNaming(pattern: "*"))
        sockets.forwardChanges(to: changed)
        let polls = Task { [configs, pollInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: pollInterval)
                if configs.refresh() { changed() }
            }
        }
        return ProxmoxWatch(sockets: sockets, polls: polls)
    }
}

private struct ProxmoxWatch: SourceWatch {
    let sockets: SocketDirectoryWatcher
    let polls: Task<Void, Never>

    func stop() {
        sockets.stop()
        polls.cancel()
    }
}
