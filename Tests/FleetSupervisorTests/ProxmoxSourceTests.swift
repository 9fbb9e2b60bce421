import FleetTestSupport
import Foundation
import Testing
@testable import FleetSupervisor

/// What a Proxmox node's directories make of its VMs: names, vmids, the fleet channel, locks,
/// agents turned off and sockets without a config — read from real files and real sockets.
@Suite("Proxmox source")
struct ProxmoxSourceTests {
    /// A Proxmox-like node in a temporary directory: `run/VMID.qga` sockets and `conf/VMID.conf`.
    struct Node {
        let root: String
        var paths: ProxmoxPaths { ProxmoxPaths(socketDirectory: root + "/run", configDirectory: root + "/conf") }
        private var listeners: [Int32] = []

        init() throws {
            root = try makeTemporaryDirectory("fleet-pve-node")
            try FileManager.default.createDirectory(atPath: root + "/run", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/conf", withIntermediateDirectories: true)
        }

        func config(_ vmid: Int, _ text: String) throws {
            try text.write(toFile: "\(root)/conf/\(vmid).conf", atomically: true, encoding: .utf8)
        }

        mutating func socket(_ file: String) throws {
            listeners.append(try UnixSocket.listen(at: "\(root)/run/\(file)"))
        }

        func remove() {
            for fd in listeners { close(fd) }
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    @Test("VMs are named by their config, keep their vmid, and are held as their config says")
    func scan() throws {
        var node = try Node()
        defer { node.remove() }
        try node.config(101, "name: web\nagent: 1\nmemory: 2048\n")
        try node.config(102, "agent: enabled=1,fstrim_cloned_disks=1\nname: db\nlock: backup\n")
        try node.config(103, "name: legacy\nagent: 0\n")  // agent off: no socket, still listed
        try node.config(104, "agent: 1\n")  // no name: the vmid names it
        try node.config(105, "name: off\nagent: 1\n")  // not running: no socket, not listed
        for file in ["101.qga", "102.qga", "104.qga", "106.qga", "101.pid", "notavm.qga"] { try node.socket(file) }
        let vms = ProxmoxSource(paths: node.paths).scan()
        let byVMID = Dictionary(uniqueKeysWithValues: vms.map { ($0.vmid ?? -1, $0) })
        #expect(Set(byVMID.keys) == [101, 102, 103, 104, 106])
        #expect(byVMID[101] == DiscoveredVM(name: "web", socketPath: node.root + "/run/101.qga", connection: .shared, vmid: 101))
        #expect(byVMID[102]?.name == "db" && byVMID[102]?.hold == .locked("backup"))
        #expect(byVMID[103]?.hold == .agentDisabled(config: node.root + "/conf/103.conf"))
        #expect(byVMID[104]?.name == "104" && byVMID[104]?.hold == nil)
        #expect(byVMID[106]?.hold == .noConfig(config: node.root + "/conf/106.conf"))
        #expect(byVMID[102]?.hold?.state == .locked && byVMID[103]?.hold?.state == .disabled)
    }

    @Test("a VM's own fleet channel (VMID.fleet) is taken over the shared VMID.qga")
    func fleetChannel() throws {
        var node = try Node()
        defer { node.remove() }
        try node.config(101, "name: web\nagent: 1\n")
        try node.socket("101.qga")
        try node.socket("101.fleet")
        let vm = try #require(ProxmoxSource(paths: node.paths).scan().first)
        #expect(vm.socketPath == node.root + "/run/101.fleet" && vm.connection == .exclusive && vm.name == "web")
    }

    @Test("a name two VMs share names neither alone: each gets its vmid")
    func sharedNames() {
        let names = ProxmoxSource.names([(101, "web"), (102, "web"), (103, "db"), (104, nil)])
        #expect(names == [101: "web-101", 102: "web-102", 103: "db", 104: "104"])
    }

    @Test("configs are reread only when they change, and a change is reported")
    func polling() throws {
        let node = try Node()
        defer { node.remove() }
        try node.config(101, "name: web\nagent: 1\n")
        let configs = ProxmoxConfigs(directory: node.paths.configDirectory)
        #expect(configs.refresh(), "the first look finds the config")
        #expect(!configs.refresh(), "nothing changed")
        try node.config(101, "name: web\nagent: 1\nlock: snapshot\n")
        #expect(configs.refresh())
        #expect(configs.current[101]?.lock == "snapshot")
        try FileManager.default.removeItem(atPath: node.root + "/conf/101.conf")
        #expect(configs.refresh() && configs.current.isEmpty)
    }

    @Test("merging sources: one VM per name, its exclusive channel preferred, a hold kept whichever report carries it")
    func merge() {
        let shared = DiscoveredVM(name: "web", socketPath: "/pve/101.qga", connection: .shared, vmid: 101)
        let own = DiscoveredVM(name: "web", socketPath: "/fleet/web.sock", connection: .exclusive)
        var (vms, shadowed) = VMDiscovery.merge([[shared], [own]])
        #expect(vms["web"]?.socketPath == "/fleet/web.sock" && vms["web"]?.vmid == 101 && shadowed == [shared])
        var locked = shared
        locked.hold = .locked("backup")
        (vms, shadowed) = VMDiscovery.merge([[locked], [own]])
        #expect(vms["web"]?.socketPath == "/fleet/web.sock" && vms["web"]?.hold == .locked("backup"))
        let other = DiscoveredVM(name: "web", socketPath: "/other/web.sock", connection: .exclusive)
        (vms, shadowed) = VMDiscovery.merge([[own], [other]])
        #expect(vms["web"] == own && shadowed == [other], "between equals, the first source's")
    }
}
