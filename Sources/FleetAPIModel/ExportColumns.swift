/// The inventory export's CSV columns, per table, in order: the one definition fleetd renders
/// its CSV with and fleetctl shows and checks `--columns` against. Each name is the member of
/// the table's JSON row.
public enum ExportColumns {
    public static let vms = [
        "name", "state", "since", "agentVersion", "host-name", "id", "pretty-name", "version-id", "kernel-release",
        "machine", "vcpus", "memoryBytes", "lastSeen", "rttMicros", "clockDriftMs",
    ]
    public static let interfaces = ["vm", "name", "hardware-address"]
    public static let addresses = ["vm", "interface", "ip-address-type", "ip-address", "prefix"]
    public static let filesystems = ["vm", "mountpoint", "name", "type", "used-bytes", "total-bytes"]

    /// The columns of a table by its name (`vms`, `interfaces`, `addresses`, `filesystems`).
    public static func of(_ table: String) -> [String] {
        switch table {
        case "interfaces": interfaces
        case "addresses": addresses
        case "filesystems": filesystems
        default: vms
        }
    }
}
