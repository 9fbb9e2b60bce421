import FleetAPIModel
import Foundation

/// One table of the inventory report as CSV, rendered in fleetd straight from the rows. The
/// columns, their names (the JSON members) and the value formats are those of
/// `fleetctl export --format csv` over the JSON report — times in RFC 3339 with milliseconds,
/// integers exact, absent values empty — and a test holds the two paths to the same bytes.
enum InventoryCSV {
    static func render(_ report: Components.Schemas.InventoryExport, table: InventoryExport.Table) -> String {
        switch table {
        case .vms:
            return CSVText.string(
                header: ["name", "state", "since", "agentVersion", "host-name", "id", "pretty-name", "version-id", "kernel-release",
                         "machine", "vcpus", "memoryBytes", "lastSeen", "rttMicros", "clockDriftMs"],
                rows: report.vms.map { vm in
                    [vm.name, vm.state.rawValue, time(vm.since), text(vm.agentVersion), text(vm.hostName), text(vm.id),
                     text(vm.prettyName), text(vm.versionId), text(vm.kernelRelease), text(vm.machine), number(vm.vcpus),
                     number(vm.memoryBytes), time(vm.lastSeen), number(vm.rttMicros), number(vm.clockDriftMs)]
                })
        case .interfaces:
            return CSVText.string(
                header: ["vm", "name", "hardware-address"],
                rows: report.interfaces.map { [$0.vm, $0.name, text($0.hardwareAddress)] })
        case .addresses:
            return CSVText.string(
                header: ["vm", "interface", "ip-address-type", "ip-address", "prefix"],
                rows: report.addresses.map { [$0.vm, $0.interface, $0.ipAddressType.rawValue, $0.ipAddress, String($0.prefix)] })
        case .filesystems:
            return CSVText.string(
                header: ["vm", "mountpoint", "name", "type", "used-bytes", "total-bytes"],
                rows: report.filesystems.map { [$0.vm, $0.mountpoint, $0.name, $0._type, number($0.usedBytes), number($0.totalBytes)] })
        }
    }

    private static func text(_ value: String?) -> String { value ?? "" }
    private static func number<N: BinaryInteger>(_ value: N?) -> String { value.map { String($0) } ?? "" }
    private static func time(_ value: Date?) -> String { value.map(RFC3339DateTranscoder.string) ?? "" }
}
