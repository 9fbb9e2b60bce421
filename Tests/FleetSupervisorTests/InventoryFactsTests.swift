import Foundation
import GRDB
import QGA
import Testing
@testable import FleetStore
@testable import FleetSupervisor

@Suite("Inventory facts")
struct InventoryFactsTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("QGATests/Fixtures/qemu-ga-7.2")

    /// The `return` of a recorded real qemu-ga reply.
    static func recorded(_ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(name + ".json"))
        var decoder = QGAStreamDecoder(role: .host)
        guard case .message(let value)? = decoder.feed(Array(data) + [0x0A]).first, let result = value["reply"]?["return"] else {
            throw InventoryRejection(reason: "fixture", detail: name)
        }
        return result
    }

    @Test("real qemu-ga inventory becomes facts, and storing it twice writes nothing new")
    func realInventory() throws {
        let facts = InventoryFacts()
        let info = try GuestInfoCommand.decodeResult(Self.recorded("guest-info"))
        let network = try facts.network(GuestNetworkGetInterfacesCommand.decodeResult(Self.recorded("guest-network-get-interfaces")))
        let filesystems = try facts.filesystems(GuestGetFsinfoCommand.decodeResult(Self.recorded("guest-get-fsinfo")))
        let os = try facts.osInfo(GuestGetOSInfoCommand.decodeResult(Self.recorded("guest-get-osinfo")))
        #expect(network.interfaces.count == 4 && network.addresses.count == 5)
        #expect(network.addresses.contains(AddressFact(interface: "eth0", address: "192.0.2.2", family: .ipv4, prefix: 24)))
        #expect(filesystems.first.map { [$0.mountpoint, $0.device, $0.type] } == ["/", "vda", "ext4"])

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-inv-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FleetStore(path: directory.appendingPathComponent("fleet.db").path)
        try store.database.write { db in
            let vm = try VMRegistry.register(db, name: "vm1", socketPath: "/s", at: 0)
            for time in [Millis(1000), 2000] {
                let changes = [
                    try FactSpans.replace(db, vmID: vm, with: facts.agentInfo(info), at: time),
                    try FactSpans.replace(db, vmID: vm, with: network.interfaces, at: time),
                    try FactSpans.replace(db, vmID: vm, with: network.addresses, at: time),
                    try FactSpans.replace(db, vmID: vm, with: filesystems, at: time),
                    try FactSpans.replace(db, vmID: vm, with: os, at: time),
                ]
                #expect(changes.allSatisfy(\.isEmpty) == (time == 2000))
            }
            let enabled = try String.fetchOne(db, sql: "SELECT enabled_commands FROM agent_info")
            #expect(enabled?.contains("\"guest-ping\"") == true && enabled?.contains("guest-get-devices") == false)
        }
    }

    @Test("hostile answers are refused whole with a reason")
    func hostile() {
        var limits = InventoryLimits()
        limits.maxInterfaces = 10
        let facts = InventoryFacts(limits: limits)
        let many = (0..<11).map { GuestNetworkInterface(name: "eth\($0)") }
        #expect(throws: InventoryRejection(reason: "too many interfaces", detail: "11, limit 10")) { _ = try facts.network(many) }
        let long = String(repeating: "x", count: 5000)
        #expect(throws: InventoryRejection(reason: "string too long", detail: "host-name: 5000 bytes, limit 4096")) {
            _ = try facts.hostName(GuestHostName(hostName: long))
        }
        let bad = [GuestNetworkInterface(name: "eth0", ipAddresses: [GuestIpAddress(ipAddress: "1.2.3.4", ipAddressType: .ipv4, prefix: 999)])]
        #expect(throws: InventoryRejection.self) { _ = try facts.network(bad) }
        #expect(throws: InventoryRejection.self) { _ = try facts.users([GuestUser(user: "x", loginTime: .infinity)]) }
    }

    @Test("clock drift is rounded to 100 ms around the host's midpoint")
    func drift() {
        let facts = InventoryFacts()
        #expect(facts.clockDrift(guestNanoseconds: 10_049_000_000, hostBefore: 9_990, hostAfter: 10_010) == [ClockDriftFact(driftMs: 0)])
        #expect(facts.clockDrift(guestNanoseconds: 10_060_000_000, hostBefore: 10_000, hostAfter: 10_000) == [ClockDriftFact(driftMs: 100)])
        #expect(facts.clockDrift(guestNanoseconds: 5_000_000_000, hostBefore: 10_000, hostAfter: 10_000) == [ClockDriftFact(driftMs: -5000)])
    }
}
