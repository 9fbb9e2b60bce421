// guest-fsfreeze-status, -freeze, -freeze-list, -thaw, guest-fstrim.

public struct GuestFsfreezeStatus: QAPIOpenEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let thawed: Self = "thawed"
    public static let frozen: Self = "frozen"
}

public struct GuestFsfreezeFreezeListArguments: Codable, Hashable, Sendable {
    /// Mount points to freeze; every freezable filesystem when absent.
    public var mountpoints: [String]?
    public init(mountpoints: [String]? = nil) { self.mountpoints = mountpoints }
}

public struct GuestFstrimArguments: Codable, Hashable, Sendable {
    /// Smallest free range worth discarding, in bytes.
    public var minimum: Int64?
    public init(minimum: Int64? = nil) { self.minimum = minimum }
}

public struct GuestFilesystemTrimResult: Codable, Hashable, Sendable {
    public var path: String
    public var trimmed: Int64?
    public var minimum: Int64?
    public var error: String?

    public init(path: String, trimmed: Int64? = nil, minimum: Int64? = nil, error: String? = nil) {
        self.path = path
        self.trimmed = trimmed
        self.minimum = minimum
        self.error = error
    }
}

public struct GuestFilesystemTrimResponse: Codable, Hashable, Sendable {
    public var paths: [GuestFilesystemTrimResult]
    public init(paths: [GuestFilesystemTrimResult]) { self.paths = paths }
}
