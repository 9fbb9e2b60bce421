/// Where a bare QEMU VM's QMP monitor socket is, beside its agent socket: a file name template in
/// which `{name}` stands for the VM's name (`{name}.qmp`: VM `vm7` has `vm7.qmp`). QMP serves one
/// client, so fleetd uses only monitors no management stack owns: Proxmox's and libvirt's never.
public struct MonitorNaming: Sendable, Equatable {
    public static let defaultTemplate = "{name}.qmp"
    public let template: String
    private let prefix: Substring
    private let suffix: Substring

    /// nil when the template has no `{name}` (or is empty: no monitors).
    public init?(template: String = MonitorNaming.defaultTemplate) {
        guard let marker = template.range(of: "{name}"), !template.contains("/") else { return nil }
        self.template = template
        prefix = template[..<marker.lowerBound]
        suffix = template[marker.upperBound...]
    }

    public func fileName(forVM name: String) -> String { prefix + name + suffix }

    /// The VM a directory entry is the monitor of, or nil.
    public func vmName(forEntry entry: String) -> String? {
        guard entry.count > prefix.count + suffix.count, entry.hasPrefix(prefix), entry.hasSuffix(suffix), !entry.hasPrefix(".") || prefix.hasPrefix(".") else {
            return nil
        }
        return String(entry.dropFirst(prefix.count).dropLast(suffix.count))
    }
}
