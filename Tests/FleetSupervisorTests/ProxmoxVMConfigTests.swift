import Testing
@testable import FleetSupervisor

@Suite("Proxmox VM configuration")
struct ProxmoxVMConfigTests {
    @Test("name, agent and lock from the current configuration; snapshots and descriptions ignored")
    func parse() {
        let text = """
            #web server, owned by ops
            #name: not-this
            agent: enabled=1,fstrim_cloned_disks=1
            boot: order=scsi0
            cores: 2
            lock: backup
            name: web01
            scsi0: local-lvm:vm-101-disk-0,size=32G

            [before-upgrade]
            name: web01-old
            lock: snapshot
            agent: 0
            """
        #expect(ProxmoxVMConfig(parsing: text) == ProxmoxVMConfig(name: "web01", agentEnabled: true, lock: "backup"))
    }

    @Test("the agent property string: its default key is enabled", arguments: [
        ("agent: 1", true), ("agent: 0", false), ("agent: 1,type=isa", true), ("agent: 0,type=virtio", false),
        ("agent: enabled=1", true), ("agent: type=virtio,enabled=1", true), ("agent: enabled=0,fstrim_cloned_disks=1", false),
        ("agent: type=isa", false), ("cores: 1", false),
    ])
    func agent(line: String, enabled: Bool) {
        #expect(ProxmoxVMConfig(parsing: line + "\n").agentEnabled == enabled, "\(line)")
    }

    @Test("no name, no lock, CRLF line ends, lines without a colon")
    func sparse() {
        #expect(ProxmoxVMConfig(parsing: "memory: 2048\r\nnonsense\r\nlock: \r\n") == ProxmoxVMConfig())
        #expect(ProxmoxVMConfig(parsing: "name:  db-2 \t\nlock:migrate\n") == ProxmoxVMConfig(name: "db-2", lock: "migrate"))
    }
}
