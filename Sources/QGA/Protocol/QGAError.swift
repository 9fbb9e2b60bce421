/// The `class` member of a QGA error reply. QEMU defines a handful; an agent may send any
/// string, so unknown classes are kept as they came.
public struct QGAErrorClass: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let genericError = QGAErrorClass("GenericError")
    public static let commandNotFound = QGAErrorClass("CommandNotFound")
    public static let deviceNotActive = QGAErrorClass("DeviceNotActive")
    public static let deviceNotFound = QGAErrorClass("DeviceNotFound")
    public static let kvmMissingCap = QGAErrorClass("KVMMissingCap")
}

/// An error as it travels in a reply: `{"error": {"class": ..., "desc": ...}}`.
/// The texts below are qemu-ga 7.2's, measured (see shared/notes/qga-facts.md).
public struct QGAError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public var errorClass: QGAErrorClass
    public var desc: String

    public init(_ errorClass: QGAErrorClass = .genericError, _ desc: String) {
        self.errorClass = errorClass
        self.desc = desc
    }

    enum CodingKeys: String, CodingKey {
        case errorClass = "class"
        case desc
    }

    public var description: String { "\(errorClass): \(desc)" }

    public var json: JSONValue { ["class": .string(errorClass.rawValue), "desc": .string(desc)] }

    public static func generic(_ desc: String) -> QGAError { QGAError(.genericError, desc) }

    public static func commandNotFound(_ name: String) -> QGAError {
        QGAError(.commandNotFound, "The command \(name) has not been found")
    }

    /// Blocked by `-b`/`block-rpcs` or absent from `-a`/`allow-rpcs`.
    public static func commandDisabled(_ name: String) -> QGAError {
        QGAError(.commandNotFound, "Command \(name) has been disabled")
    }

    public static func disabledWhileFrozen(_ name: String) -> QGAError {
        QGAError(.commandNotFound, "Command \(name) has been disabled: the agent is in frozen state")
    }

    /// Why an agent refused to run a command at all, read from the texts above (the wire carries
    /// only a class and a description): nil for any other error, including a command that ran
    /// and failed.
    public var refusal: QGARefusal? {
        guard errorClass == .commandNotFound else { return nil }
        if desc.hasPrefix("Command "), desc.hasSuffix(" has been disabled: the agent is in frozen state") { return .frozen }
        if desc.hasPrefix("Command "), desc.hasSuffix(" has been disabled") { return .disabled }
        if desc.hasPrefix("The command "), desc.hasSuffix(" has not been found") { return .notFound }
        return .unknown
    }

    /// The generic "unsupported" error qemu-ga returns for what a platform cannot do.
    public static let unsupported = QGAError(.genericError, "this feature or command is not currently supported")

    /// qemu-ga's wrapper for a failure reported by the guest OS.
    public static func commandFailed(_ detail: String) -> QGAError {
        .generic("Guest agent command failed, error was '\(detail)'")
    }

    public static let inputNotObject = QGAError.generic("QMP input must be a JSON object")
    public static let inputLacksExecute = QGAError.generic("QMP input lacks member 'execute'")
    public static let argumentsNotObject = QGAError.generic("QMP input member 'arguments' must be an object")

    public static func inputMemberNotString(_ member: String) -> QGAError {
        .generic("QMP input member '\(member)' must be a string")
    }

    public static func inputMemberUnexpected(_ member: String) -> QGAError {
        .generic("QMP input member '\(member)' is unexpected")
    }

    /// A stream-level parse error, replied as a GenericError with the decoder's text.
    public init(_ streamError: QGAStreamError) {
        self.init(.genericError, streamError.description)
    }
}

/// The ways an agent refuses a command (QGA's CommandNotFound class).
public enum QGARefusal: Sendable, Equatable {
    /// The agent has no such command.
    case notFound
    /// Blocked by its configuration (`-b`/`block-rpcs`, or absent from `-a`/`allow-rpcs`).
    case disabled
    /// Disabled while the guest's filesystems are frozen (everything but a few commands).
    case frozen
    /// CommandNotFound with a description neither qemu-ga nor fleet-agent uses.
    case unknown
}

/// A QGA reply that did not have the shape of one (from a broken or hostile agent).
public struct QGAReplyShapeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
