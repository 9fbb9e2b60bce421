import FleetStore
import GRDB

/// Typed access to a stored fact's columns (in its span table's column order).
extension Fact {
    func string(_ index: Int) -> String? { String.fromDatabaseValue(values[index]) }
    func int(_ index: Int) -> Int64? { Int64.fromDatabaseValue(values[index]) }
    func double(_ index: Int) -> Double? { Double.fromDatabaseValue(values[index]) }
    func bool(_ index: Int) -> Bool? { int(index).map { $0 != 0 } }
}

/// One current address of a VM, from the `address` span table.
struct StoredAddress: Sendable {
    var interface: String
    var address: String
    var family: String
    var prefix: Int64

    init?(_ fact: Fact) {
        guard let interface = fact.string(0), let address = fact.string(1), let family = fact.string(2), let prefix = fact.int(3)
        else { return nil }
        self.interface = interface
        self.address = address
        self.family = family
        self.prefix = prefix
    }

    /// Loopback and IPv6 link-local addresses say nothing about where a VM is.
    var isMain: Bool {
        !(interface == "lo" || address.hasPrefix("127.") || address == "::1" || address.lowercased().hasPrefix("fe80:"))
    }

    var cidr: String { "\(address)/\(prefix)" }
}

/// The OS line shown in listings: the pretty name, else name and version.
func osLine(_ fact: Fact?) -> String? {
    guard let fact else { return nil }
    if let pretty = fact.string(2), !pretty.isEmpty { return pretty }
    let parts = [fact.string(1), fact.string(3)].compactMap { $0 }.filter { !$0.isEmpty }
    return parts.isEmpty ? fact.string(0) : parts.joined(separator: " ")
}
