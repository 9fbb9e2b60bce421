/// A QGA command as a type: its wire name and the Swift types of its arguments and result.
/// The agent registers handlers by it, the host calls through it, and `QGACommandTable`
/// lists every one so that guest-info, argument checking and docs share one source.
public protocol QGACommand: Sendable {
    associatedtype Arguments: Codable & Sendable
    associatedtype Result: Codable & Sendable
    static var name: String { get }
    /// False for commands qemu-ga answers only on failure (guest-shutdown, guest-suspend-*).
    static var successResponse: Bool { get }
    static var origin: QGACommandOrigin { get }
    /// Whether a frozen agent still runs it.
    static var allowedWhileFrozen: Bool { get }
    /// Whether any sane agent answers it in well under a megabyte (pings, syncs, inventory),
    /// so a host may cap its replies far below what a file read or exec output needs.
    static var smallReply: Bool { get }
}

extension QGACommand {
    public static var successResponse: Bool { true }
    public static var origin: QGACommandOrigin { .baseline }
    public static var allowedWhileFrozen: Bool { false }
    public static var smallReply: Bool { false }

    /// A request for this command with typed arguments (omitted when the command takes none).
    public static func request(_ arguments: Arguments, id: JSONValue? = nil) -> QGARequest {
        var object: JSONObject?
        if Arguments.self != QGAEmpty.self, case .object(let encoded) = QAPIEncoder().encode(arguments) {
            object = encoded
        }
        return QGARequest(execute: name, arguments: object, id: id)
    }

    /// Reads this command's `return` value from an (untrusted) agent.
    public static func decodeResult(_ value: JSONValue) throws(QAPIDecodingError) -> Result {
        try QAPIDecoder(mode: .results).decode(Result.self, from: value)
    }

    /// Reads a request's arguments the way qemu-ga does: absent means `{}`.
    public static func decodeArguments(_ arguments: JSONObject?) throws(QAPIDecodingError) -> Arguments {
        try QAPIDecoder(mode: .arguments).decode(Arguments.self, from: .object(arguments ?? JSONObject()))
    }
}

extension QGACommand where Arguments == QGAEmpty {
    public static func request(id: JSONValue? = nil) -> QGARequest {
        QGARequest(execute: name, arguments: nil, id: id)
    }
}

/// Where a command comes from, which decides what a peer may be expected to have.
public enum QGACommandOrigin: String, Sendable, CaseIterable {
    /// In the QEMU 2.5 schema (shared/seeds/000_*): every agent Fleet talks to has these.
    case baseline
    /// Added by QEMU up to 7.2 (Debian bookworm's qemu-ga).
    case qemu72 = "qemu-7.2"
    /// Added after 7.2; fleet-agent serves them, qemu-ga 7.2 does not.
    case later
}

/// One row of the command table, for listings and docs.
public struct QGACommandInfo: Hashable, Sendable {
    public var name: String
    public var successResponse: Bool
    public var origin: QGACommandOrigin
    public var allowedWhileFrozen: Bool
    public var argumentsType: String
    public var resultType: String
}
