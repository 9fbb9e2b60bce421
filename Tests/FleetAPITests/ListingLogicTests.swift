@testable import FleetStore
import Foundation
import Testing

@testable import FleetAPI

/// The pure pieces behind listings and errors: filters, CIDR matching, name suggestions, tiers,
/// history summaries.
@Suite("listing logic")
struct ListingLogicTests {
    static func vm(_ name: String, _ state: VMState) -> VMRecord {
        VMRecord(id: 1, name: name, socketPath: "/s", state: state, stateSince: 0, stateReason: "", firstSeen: 0, lastSeen: nil,
                 pingOk: 0, pingMissed: 0, rttLastUs: nil, rttMinUs: nil, rttMaxUs: nil, rttEwmaUs: nil)
    }

    static let debian = OSInfoFact(osId: "debian", name: "Debian GNU/Linux", prettyName: "Debian GNU/Linux 12 (bookworm)")
    static let addresses = [
        AddressFact(interface: "eth0", address: "10.0.2.15", family: .ipv4, prefix: 24),
        AddressFact(interface: "eth0", address: "fd00::15", family: .ipv6, prefix: 64),
    ]

    @Test("CIDR blocks and single addresses, IPv4 and IPv6; nonsense is refused")
    func networks() throws {
        let v4 = try #require(IPNetwork("10.0.0.0/8"))
        #expect(v4.contains("10.0.2.15") && !v4.contains("11.0.0.1") && !v4.contains("fd00::1"))
        #expect(try #require(IPNetwork("10.0.2.15")).contains("10.0.2.15") && !IPNetwork("10.0.2.15")!.contains("10.0.2.16"))
        #expect(try #require(IPNetwork("10.0.2.0/23")).contains("10.0.3.255") && !IPNetwork("10.0.2.0/23")!.contains("10.0.4.0"))
        #expect(try #require(IPNetwork("fd00::/8")).contains("fd12::1") && !IPNetwork("fd00::/8")!.contains("fe80::1"))
        #expect(try #require(IPNetwork("0.0.0.0/0")).contains("192.0.2.1"))
        for bad in ["10.0.0.0/33", "fd00::/129", "10.0.0", "host", "10.0.0.0/x", ""] { #expect(IPNetwork(bad) == nil, "\(bad)") }
    }

    @Test("each filter narrows; none given passes every VM")
    func filters() throws {
        let web = Self.vm("web-1", .responsive)
        #expect(try VMFilter(state: nil, name: nil, address: nil, os: nil).matches(web, os: nil, addresses: []))
        #expect(try VMFilter(state: "responsive,frozen", name: nil, address: nil, os: nil).matches(web, os: nil, addresses: []))
        #expect(try !VMFilter(state: "gone", name: nil, address: nil, os: nil).matches(web, os: nil, addresses: []))
        #expect(try VMFilter(state: nil, name: "web-*", address: nil, os: nil).matches(web, os: nil, addresses: []))
        #expect(try !VMFilter(state: nil, name: "db-*", address: nil, os: nil).matches(web, os: nil, addresses: []))
        #expect(try VMFilter(state: nil, name: nil, address: "10.0.0.0/8", os: nil).matches(web, os: nil, addresses: Self.addresses))
        #expect(try !VMFilter(state: nil, name: nil, address: "192.168.0.0/16", os: nil).matches(web, os: nil, addresses: Self.addresses))
        #expect(try VMFilter(state: nil, name: nil, address: nil, os: "BOOKWORM").matches(web, os: Self.debian, addresses: []))
        #expect(try !VMFilter(state: nil, name: nil, address: nil, os: "debian").matches(web, os: nil, addresses: []), "no OS known")
        #expect(throws: APIError.self) { try VMFilter(state: "sleeping", name: nil, address: nil, os: nil) }
        #expect(throws: APIError.self) { try VMFilter(state: nil, name: nil, address: "not-an-ip", os: nil) }
    }

    @Test("name suggestions: substrings first, then the closest by edit distance, at most three")
    func suggestions() {
        let names = ["web-1", "web-2", "web-10", "db-1", "cache"]
        #expect(NameSuggestions.closest(to: "web", in: names) == ["web-1", "web-10", "web-2"])
        #expect(NameSuggestions.closest(to: "db-2", in: names) == ["db-1", "web-2"])
        #expect(NameSuggestions.closest(to: "zzzzzz", in: names).isEmpty)
        #expect(NameSuggestions.editDistance(Array("kitten"), Array("sitting")) == 3)
    }

    @Test("tiers: root and the owner are admin, groups grant their tier, the highest wins, strangers get none")
    func tiers() {
        let policy = AccessPolicy(adminGroups: [10], operateGroups: [20], readGroups: [30], ownerUID: 500)
        func tier(_ uid: UInt32, _ groups: Set<UInt32>) -> Tier { policy.tier(of: PeerCredentials(pid: 1, uid: uid, gid: 0, groups: groups)) }
        #expect(tier(0, []) == .admin && tier(500, []) == .admin)
        #expect(tier(1000, [30]) == .read && tier(1000, [20]) == .operate && tier(1000, [10]) == .admin)
        #expect(tier(1000, [30, 20]) == .operate)
        #expect(tier(1000, [99]) == .none && policy.tier(of: nil) == .none)
    }

    @Test("history summaries: one line per fact, in words")
    func historySummaries() {
        #expect(HistoryView.describe(.os(Self.debian)) == ("os", "Debian GNU/Linux 12 (bookworm), kernel "))
        #expect(HistoryView.describe(.address(Self.addresses[0])) == ("address", "eth0 10.0.2.15/24"))
        #expect(HistoryView.describe(.interface(InterfaceFact(name: "eth0", hardwareAddress: "52:54:00:12:34:56"))).summary == "eth0 52:54:00:12:34:56")
        #expect(HistoryView.describe(.interface(InterfaceFact(name: "lo", hardwareAddress: nil))).summary == "lo")
        #expect(HistoryView.describe(.vcpu(VcpuFact(logicalId: 1, online: false, canOffline: true))).summary == "vcpu 1 offline")
        #expect(HistoryView.describe(.memory(MemoryFact(blockSize: 128, blocks: 8, blocksOnline: 6))).summary == "memory blocks 6/8 online, 128 bytes each")
        #expect(HistoryView.describe(.user(UserSessionFact(userName: "alice", domain: "CORP", loginTime: 0))).summary == "CORP\\alice")
        #expect(HistoryView.describe(.timezone(TimezoneFact(zone: nil, offsetSeconds: 0))).summary == "UTC (offset 0 s)")
        #expect(HistoryView.describe(.clockDrift(ClockDriftFact(driftMs: -300))) == ("clock-drift", "clock drift -300 ms"))
    }

    @Test("an OS line: the pretty name, else name and version, else the id")
    func osSummary() {
        #expect(Self.debian.summary == "Debian GNU/Linux 12 (bookworm)")
        #expect(OSInfoFact(osId: "alpine", name: "Alpine Linux", version: "3.20").summary == "Alpine Linux 3.20")
        #expect(OSInfoFact(osId: "custom").summary == "custom")
    }
}
