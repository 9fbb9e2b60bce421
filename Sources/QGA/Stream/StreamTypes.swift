/// Which end of the channel a decoder serves. It changes only what a 0xFF byte means.
public enum QGAStreamRole: Sendable {
    /// fleet-agent reading requests: 0xFF is a lexical error that abandons the partial message
    /// and yields qemu-ga's "stray" parse error, then parsing restarts.
    case agent
    /// fleetd reading replies: 0xFF is the sentinel in front of a guest-sync-delimited reply;
    /// everything before it is discarded silently.
    case host
}

/// Bounds on one message. The defaults are qemu-ga's.
public struct QGAStreamLimits: Sendable, Equatable {
    /// Bytes of tokens in one message (whitespace between tokens does not count).
    public var maxMessageBytes: Int
    /// Tokens in one message.
    public var maxTokens: Int
    /// Open brackets and braces at once.
    public var maxDepth: Int

    public init(maxMessageBytes: Int = 64 << 20, maxTokens: Int = 2 << 20, maxDepth: Int = 1024) {
        self.maxMessageBytes = maxMessageBytes
        self.maxTokens = maxTokens
        self.maxDepth = maxDepth
    }

    public static let qemu = QGAStreamLimits()
}

/// A message that could not be decoded. `description` is qemu-ga's text, which fleet-agent
/// replies with as a GenericError.
public struct QGAStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A byte that cannot start or continue a token (includes 0xFF on the agent side).
        case stray
        /// Tokens that do not form JSON (or strings that are not valid), found once the
        /// message was complete.
        case syntax
        /// The message passed a limit; the rest of it was skipped.
        case limit
    }

    public var kind: Kind
    public var description: String

    public init(kind: Kind, description: String) {
        self.kind = kind
        self.description = description
    }

    static func stray(_ text: [UInt8]) -> QGAStreamError {
        // Invalid UTF-8 (0xFF itself) becomes U+FFFD, as qemu-ga's writer renders it.
        QGAStreamError(kind: .stray, description: "JSON parse error, stray '\(String(decoding: text, as: UTF8.self))'")
    }

    static func syntax(_ what: String) -> QGAStreamError {
        QGAStreamError(kind: .syntax, description: "JSON parse error, \(what)")
    }

    static let tokenSizeExceeded = QGAStreamError(kind: .limit, description: "JSON token size limit exceeded")
    static let tokenCountExceeded = QGAStreamError(kind: .limit, description: "JSON token count limit exceeded")
    static let nestingExceeded = QGAStreamError(kind: .limit, description: "JSON nesting depth limit exceeded")
}

/// What the decoder yields, in stream order.
public enum QGAStreamEvent: Sendable, Equatable {
    case message(JSONValue)
    case error(QGAStreamError)
    /// Host role: a 0xFF sentinel arrived; any partial message before it was dropped.
    case delimiter
}
