// guest-sync, guest-sync-delimited, guest-ping, guest-info, guest-get-time, guest-set-time,
// guest-shutdown.

public struct GuestSyncArguments: Codable, Hashable, Sendable {
    /// A random 64-bit integer, echoed back exactly.
    public var id: Int64
    public init(id: Int64) { self.id = id }
}

public struct GuestSetTimeArguments: Codable, Hashable, Sendable {
    /// Nanoseconds since the epoch; absent means "read the RTC".
    public var time: Int64?
    public init(time: Int64? = nil) { self.time = time }
}

public struct GuestShutdownArguments: Codable, Hashable, Sendable {
    /// "halt", "powerdown" (default) or "reboot".
    public var mode: String?
    public init(mode: String? = nil) { self.mode = mode }
}

public struct GuestAgentCommandInfo: Codable, Hashable, Sendable {
    public var name: String
    public var enabled: Bool
    public var successResponse: Bool

    public init(name: String, enabled: Bool, successResponse: Bool) {
        self.name = name
        self.enabled = enabled
        self.successResponse = successResponse
    }

    enum CodingKeys: String, CodingKey {
        case name, enabled
        case successResponse = "success-response"
    }
}

public struct GuestAgentInfo: Codable, Hashable, Sendable {
    public var version: String
    public var supportedCommands: [GuestAgentCommandInfo]

    public init(version: String, supportedCommands: [GuestAgentCommandInfo]) {
        self.version = version
        self.supportedCommands = supportedCommands
    }

    enum CodingKeys: String, CodingKey {
        case version
        case supportedCommands = "supported_commands"
    }
}
