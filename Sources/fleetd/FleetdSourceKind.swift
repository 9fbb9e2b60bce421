import Configuration
import FleetSupervisor
import Foundation

/// The kinds of source `sources` names (comma-separated, in the order fleetd prefers them when
/// two report the same VM).
enum FleetdSourceKind: String, CaseIterable {
    /// The socket directory: `socketDir`, `socketPattern`, `connection`.
    case sockets
    /// A Proxmox VE node: `proxmox.dir`, `proxmox.configDir`.
    case proxmox

    /// `sources` as given. Where no provider gives it, a Proxmox directory given (`--proxmox-dir`
    /// or `--proxmox-config-dir`) means Proxmox, with the socket directory too when that is given.
    static func chosen(_ config: ConfigReader) throws -> [FleetdSourceKind] {
        let given = { (setting: Setting) in config.string(forKey: ConfigKey(setting.key)) != nil }
        // A flag's `proxmox,sockets` (or `proxmox sockets`) arrives as a list, the file's and the
        // variable's as one text; either way the names are split at commas.
        let key = ConfigKey(SettingKeys.sources.key)
        guard let values = config.stringArray(forKey: key) ?? config.string(forKey: key).map({ [$0] }) else {
            guard given(SettingKeys.proxmoxDir) || given(SettingKeys.proxmoxConfigDir) else { return [.sockets] }
            return given(SettingKeys.socketDir) ? [.proxmox, .sockets] : [.proxmox]
        }
        var kinds: [FleetdSourceKind] = []
        let names = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where !name.isEmpty {
            guard let kind = FleetdSourceKind(rawValue: name) else {
                throw FleetdError("sources: '\(name)' is not one of \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        guard !kinds.isEmpty else { throw FleetdError("sources is empty; give one or more of \(allCases.map(\.rawValue).joined(separator: ", "))") }
        return kinds
    }
}

extension SourceSpec {
    /// The directories this source needs, for fleetd to check before it starts.
    var requiredDirectories: [(what: String, path: String)] {
        switch self {
        case .directory(let path, _, _, _): [("socket directory", path)]
        case .proxmox(let paths): [("Proxmox socket directory", paths.socketDirectory), ("Proxmox config directory", paths.configDirectory)]
        }
    }
}
