import Foundation

/// What a caller may do. Each tier includes the ones below it.
public enum Tier: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case none, read, operate, admin

    public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
    public var description: String { name }
    public var name: String { ["none", "read", "operate", "admin"][rawValue] }
}

/// Maps peer credentials to a tier: root, and the user fleetd runs as, are admin; members of
/// the configured groups get the tier their group grants; everyone else gets nothing.
public struct AccessPolicy: Sendable, Equatable {
    public var adminGroups: Set<UInt32>
    public var operateGroups: Set<UInt32>
    public var readGroups: Set<UInt32>
    public var ownerUID: UInt32

    public init(adminGroups: Set<UInt32> = [], operateGroups: Set<UInt32> = [], readGroups: Set<UInt32> = [], ownerUID: UInt32 = getuid()) {
        self.adminGroups = adminGroups
        self.operateGroups = operateGroups
        self.readGroups = readGroups
        self.ownerUID = ownerUID
    }

    public func tier(of caller: PeerCredentials?) -> Tier {
        guard let caller else { return .none }
        if caller.uid == 0 || caller.uid == ownerUID { return .admin }
        if !caller.groups.isDisjoint(with: adminGroups) { return .admin }
        if !caller.groups.isDisjoint(with: operateGroups) { return .operate }
        if !caller.groups.isDisjoint(with: readGroups) { return .read }
        return .none
    }

    /// A group given by name or number; nil when no such group exists.
    public static func groupID(_ nameOrNumber: String) -> UInt32? {
        if let number = UInt32(nameOrNumber) { return number }
        guard let entry = getgrnam(nameOrNumber) else { return nil }
        return entry.pointee.gr_gid
    }
}
