import FleetAPIModel
import Foundation

/// One table of the inventory report as CSV, rendered in fleetd straight from the rows. The
/// columns are `ExportColumns` (shared with fleetctl); their values are formatted as
/// `fleetctl export --format csv` formats the JSON report — times in RFC 3339 with
/// milliseconds, integers exact, absent values empty — and a test holds the two paths to the
/// same bytes.
enum InventoryCSV {
    static func render(_ report: Components.Schemas.InventoryExport, table: InventoryExport.Table) -> String {
        let cells: [[String: String]]
        switch table {
        case .vms:
            cells = report.vms.map { vm in
                ["name": vm.name, "state": vm.state.rawValue, "since": time(vm.since), "agentVersion": text(vm.agentVersion),
                 "host-name": text(vm.hostName), "id": text(vm.id), "pretty-name": text(vm.prettyName), "version-id": text(vm.versionId),
                 "kernel-release": text(vm.kernelRelease), "machine": text(vm.machine), "vcpus": number(vm.vcpus),
                 "memoryBytes": number(vm.memoryBytes), "lastSeen": time(vm.lastSeen), "rttMicros": number(vm.rttMicros),
                 "clockDriftMs": number(vm.clockDriftMs)]
            }
        case .interfaces:
            cells = report.interfaces.map { ["vm": $0.vm, "name": $0.name, "hardware-address": text($0.hardwareAddress)] }
        case .addresses:
            cells = report.addresses.map {
                ["vm": $0.vm, "interface": $0.interface, "ip-address-type": $0.ipAddressType.rawValue, "ip-address": $0.ipAddress,
                 "prefix": String($0.prefix)]
            }
        case .filesystems:
            cells = report.filesystems.map {
                ["vm": $0.vm, "mountpoint": $0.mountpoint, "name": $0.name, "type": $0._type, "used-bytes": number($0.usedBytes),
                 "total-bytes": number($0.totalBytes)]
            }
        }
        let columns = ExportColumns.of(table.rawValue)
        return CSVText.string(header: columns, rows: cells.map { row in columns.map { row[$0] ?? "" } })
    }

    private static func text(_ value: String?) -> String { value ?? "" }
    private static func number<N: BinaryInteger>(_ value: N?) -> String { value.map { String($0) } ?? "" }
    private static func time(_ value: Date?) -> String { value.map(RFC3339DateTranscoder.string) ?? "" }
}
