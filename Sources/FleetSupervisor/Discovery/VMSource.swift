/// Where fleetd finds VMs: a directory of agent sockets, a Proxmox host's sockets and VM
/// configs (later: a libvirt connection). A source only reports; the supervisor decides.
public protocol VMSource: Sendable {
    /// For logs and errors: "sockets in /run/fleet/vms".
    var label: String { get }
    /// Every VM the source has now.
    func scan() -> [DiscoveredVM]
    /// Starts following the source; `changed` is called (from any thread) whenever a rescan may
    /// find something new. Hints only: the supervisor also rescans on a timer.
    func watch(_ changed: @escaping @Sendable () -> Void) throws -> any SourceWatch
}

/// A source being followed; `stop()` ends it.
public protocol SourceWatch: Sendable {
    func stop()
}

/// What a fleetd is configured to supervise, one entry per source.
public enum SourceSpec: Sendable, Equatable {
    /// Agent sockets in one directory, named and used as the fields say; QMP monitors beside
    /// them as `monitors` names them (nil: none).
    case directory(path: String, naming: SocketNaming, connection: ConnectionMode, monitors: MonitorNaming? = nil)
    /// Proxmox VE: `VMID.qga` sockets (shared with Proxmox) and `VMID.conf` configs.
    case proxmox(ProxmoxPaths)

    func makeSource(config: SupervisorConfig) -> any VMSource {
        switch self {
        case .directory(let path, let naming, let connection, let monitors):
            SocketDirectorySource(directory: path, naming: naming, connection: connection, monitors: monitors)
        case .proxmox(let paths):
            ProxmoxSource(paths: paths, pollInterval: config.proxmoxConfigPoll)
        }
    }
}

/// One view of all sources: each VM once, by name.
enum VMDiscovery {
    /// Merges the sources' reports (in the sources' order). A name reported twice is one VM
    /// reached two ways: fleetd takes its exclusive channel (fleet-agent's own port) over a
    /// shared socket, else the first source's report — but a hold either report carries (a
    /// Proxmox lock) holds the VM whichever way fleetd would reach it. Returns the reports not
    /// taken too, to be logged.
    static func merge(_ reports: [[DiscoveredVM]]) -> (vms: [String: DiscoveredVM], shadowed: [DiscoveredVM]) {
        var vms: [String: DiscoveredVM] = [:]
        var shadowed: [DiscoveredVM] = []
        for report in reports {
            for vm in report {
                guard let earlier = vms[vm.name] else {
                    vms[vm.name] = vm
                    continue
                }
                var taken = earlier.connection == .shared && vm.connection == .exclusive ? vm : earlier
                shadowed.append(taken == vm ? earlier : vm)
                taken.hold = earlier.hold ?? vm.hold
                taken.vmid = earlier.vmid ?? vm.vmid
                vms[vm.name] = taken
            }
        }
        return (vms, shadowed)
    }
}
