import FleetAPI
import Logging

extension FleetdSettings {
    /// The control socket's path, group and tiers, with group names resolved now (a group that
    /// does not exist grants nothing, and is said so once).
    func controlSocketConfig(logger: Logger) -> ControlSocketConfig {
        func gids(_ name: String, _ role: String) -> Set<UInt32> {
            guard !name.isEmpty else { return [] }
            guard let gid = AccessPolicy.groupID(name) else {
                logger.notice("control.\(role) group '\(name)' does not exist: it grants nothing")
                return []
            }
            return [gid]
        }
        let policy = AccessPolicy(
            adminGroups: gids(controlGroups.admin, "adminGroup"),
            operateGroups: gids(controlGroups.operate, "operateGroup"),
            readGroups: gids(controlGroups.read, "readGroup"))
        let socketGroup = controlGroups.socket.isEmpty ? nil : AccessPolicy.groupID(controlGroups.socket)
        return ControlSocketConfig(path: controlSocket, group: socketGroup, policy: policy)
    }
}
