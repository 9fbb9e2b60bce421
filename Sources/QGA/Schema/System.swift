// guest-set-user-password, guest-get-host-name, guest-get-users, guest-get-timezone,
// guest-get-osinfo, guest-get-devices, guest-ssh-*-authorized-keys.

public struct GuestSetUserPasswordArguments: Codable, Hashable, Sendable {
    public var username: String
    /// Base64 of the password (or of its crypt() form when `crypted`).
    public var password: String
    public var crypted: Bool
    public init(username: String, password: String, crypted: Bool) {
        self.username = username
        self.password = password
        self.crypted = crypted
    }
}

public struct GuestHostName: Codable, Hashable, Sendable {
    public var hostName: String
    public init(hostName: String) { self.hostName = hostName }
    enum CodingKeys: String, CodingKey { case hostName = "host-name" }
}

public struct GuestUser: Codable, Hashable, Sendable {
    public var user: String
    /// Seconds since the epoch, with a fraction: QAPI 'number'.
    public var loginTime: Double
    public var domain: String?

    public init(user: String, loginTime: Double, domain: String? = nil) {
        self.user = user
        self.loginTime = loginTime
        self.domain = domain
    }

    enum CodingKeys: String, CodingKey {
        case user, domain
        case loginTime = "login-time"
    }
}

public struct GuestTimezone: Codable, Hashable, Sendable {
    public var zone: String?
    /// Seconds east of UTC.
    public var offset: Int64
    public init(zone: String? = nil, offset: Int64) {
        self.zone = zone
        self.offset = offset
    }
}

public struct GuestOSInfo: Codable, Hashable, Sendable {
    public var kernelRelease: String?
    public var kernelVersion: String?
    public var machine: String?
    public var id: String?
    public var name: String?
    public var prettyName: String?
    public var version: String?
    public var versionId: String?
    public var variant: String?
    public var variantId: String?

    public init(
        kernelRelease: String? = nil, kernelVersion: String? = nil, machine: String? = nil, id: String? = nil,
        name: String? = nil, prettyName: String? = nil, version: String? = nil, versionId: String? = nil,
        variant: String? = nil, variantId: String? = nil
    ) {
        self.kernelRelease = kernelRelease
        self.kernelVersion = kernelVersion
        self.machine = machine
        self.id = id
        self.name = name
        self.prettyName = prettyName
        self.version = version
        self.versionId = versionId
        self.variant = variant
        self.variantId = variantId
    }

    enum CodingKeys: String, CodingKey {
        case kernelRelease = "kernel-release", kernelVersion = "kernel-version", machine, id, name
        case prettyName = "pretty-name", version, versionId = "version-id", variant
        case variantId = "variant-id"
    }
}

/// guest-get-devices (Windows drivers; listed but disabled on Linux, as in qemu-ga).
public struct GuestDeviceInfo: Codable, Hashable, Sendable {
    public var driverName: String
    /// Nanoseconds since the epoch.
    public var driverDate: Int64?
    public var driverVersion: String?
    /// A union on `type` (QEMU defines "pci": vendor-id, device-id); kept as raw JSON.
    public var id: JSONValue?

    public init(driverName: String, driverDate: Int64? = nil, driverVersion: String? = nil, id: JSONValue? = nil) {
        self.driverName = driverName
        self.driverDate = driverDate
        self.driverVersion = driverVersion
        self.id = id
    }

    enum CodingKeys: String, CodingKey {
        case driverName = "driver-name", driverDate = "driver-date", driverVersion = "driver-version", id
    }
}

public struct GuestSSHGetAuthorizedKeysArguments: Codable, Hashable, Sendable {
    public var username: String
    public init(username: String) { self.username = username }
}

public struct GuestAuthorizedKeys: Codable, Hashable, Sendable {
    public var keys: [String]
    public init(keys: [String]) { self.keys = keys }
}

public struct GuestSSHAddAuthorizedKeysArguments: Codable, Hashable, Sendable {
    public var username: String
    public var keys: [String]
    /// Replace the file instead of appending.
    public var reset: Bool?
    public init(username: String, keys: [String], reset: Bool? = nil) {
        self.username = username
        self.keys = keys
        self.reset = reset
    }
}

public struct GuestSSHRemoveAuthorizedKeysArguments: Codable, Hashable, Sendable {
    public var username: String
    public var keys: [String]
    public init(username: String, keys: [String]) {
        self.username = username
        self.keys = keys
    }
}
