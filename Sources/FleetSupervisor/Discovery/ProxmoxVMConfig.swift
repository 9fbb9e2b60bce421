/// What fleetd reads from a Proxmox VM's configuration, `/etc/pve/qemu-server/VMID.conf`: the
/// VM's name, whether its guest agent is enabled, and the lock Proxmox holds on it while a
/// backup, migration, snapshot or the like runs (fleetd must then send the VM nothing).
///
/// The file is `key: value` lines; `#` lines are the VM's description; a `[name]` line starts a
/// snapshot's (or the pending changes') section, which describes another state of the VM and
/// is not read. `agent` is a property string whose default key is `enabled`: `agent: 1`,
/// `agent: enabled=1,fstrim_cloned_disks=1`, `agent: 0,type=isa`.
public struct ProxmoxVMConfig: Sendable, Equatable {
    public var name: String?
    public var agentEnabled = false
    public var lock: String?

    public init(name: String? = nil, agentEnabled: Bool = false, lock: String? = nil) {
        self.name = name
        self.agentEnabled = agentEnabled
        self.lock = lock
    }

    /// Parses a VMID.conf; unknown keys and malformed lines are skipped, as Proxmox's own parser
    /// reports and skips them.
    public init(parsing text: String) {
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingSpaces()
            if line.hasPrefix("[") { break }
            guard !line.isEmpty, !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingSpaces()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            switch key {
            case "name": name = value.isEmpty ? nil : String(value)
            case "lock": lock = value.isEmpty ? nil : String(value)
            case "agent": agentEnabled = Self.agentEnabled(value)
            default: continue
            }
        }
    }

    /// `enabled` from the agent property string: the first unnamed value, or `enabled=`.
    static func agentEnabled(_ property: Substring) -> Bool {
        for (index, part) in property.split(separator: ",").enumerated() {
            let item = part.trimmingSpaces()
            if let equals = item.firstIndex(of: "=") {
                guard item[..<equals] == "enabled" else { continue }
                return item[item.index(after: equals)...] == "1"
            }
            if index == 0 { return item == "1" }
        }
        return false
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        var trimmed = drop(while: blank)
        while let last = trimmed.last, blank(last) { trimmed = trimmed.dropLast() }
        return trimmed
    }
}
