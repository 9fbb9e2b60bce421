// guest-file-open, -close, -read, -write, -seek, -flush.

public struct GuestFileOpenArguments: Codable, Hashable, Sendable {
    public var path: String
    /// An fopen() mode; "r" when absent.
    public var mode: String?
    public init(path: String, mode: String? = nil) {
        self.path = path
        self.mode = mode
    }
}

/// The arguments of guest-file-close and guest-file-flush.
public struct GuestFileHandleArguments: Codable, Hashable, Sendable {
    public var handle: Int64
    public init(handle: Int64) { self.handle = handle }
}

public struct GuestFileReadArguments: Codable, Hashable, Sendable {
    public var handle: Int64
    /// Bytes to read; 4096 when absent, at most 48 MiB.
    public var count: Int64?
    public init(handle: Int64, count: Int64? = nil) {
        self.handle = handle
        self.count = count
    }
}

public struct GuestFileRead: Codable, Hashable, Sendable {
    /// Bytes read, before base64.
    public var count: Int64
    public var bufB64: String
    public var eof: Bool

    public init(count: Int64, bufB64: String, eof: Bool) {
        self.count = count
        self.bufB64 = bufB64
        self.eof = eof
    }

    enum CodingKeys: String, CodingKey {
        case count, eof
        case bufB64 = "buf-b64"
    }
}

public struct GuestFileWriteArguments: Codable, Hashable, Sendable {
    public var handle: Int64
    public var bufB64: String
    /// Bytes to write from the decoded buffer; all of it when absent.
    public var count: Int64?

    public init(handle: Int64, bufB64: String, count: Int64? = nil) {
        self.handle = handle
        self.bufB64 = bufB64
        self.count = count
    }

    enum CodingKeys: String, CodingKey {
        case handle, count
        case bufB64 = "buf-b64"
    }
}

public struct GuestFileWrite: Codable, Hashable, Sendable {
    public var count: Int64
    public var eof: Bool
    public init(count: Int64, eof: Bool) {
        self.count = count
        self.eof = eof
    }
}

/// Symbolic whence values (QEMU 2.6+).
public enum QGASeek: String, QAPIEnum {
    case set, cur, end
}

/// `whence` is an alternate: the symbolic name or the raw integer (0, 1, 2 on Linux).
public enum GuestFileWhence: Codable, Hashable, Sendable {
    case value(Int64)
    case name(QGASeek)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            self = .value(number)
        } else if let text = try? container.decode(String.self) {
            guard let name = QGASeek(rawValue: text) else {
                throw QAPIDecodingError(path: QAPIDecodingError.path(decoder.codingPath), kind: .invalidEnumValue(text))
            }
            self = .name(name)
        } else {
            throw QAPIDecodingError(path: QAPIDecodingError.path(decoder.codingPath), kind: .wrongType(expected: "GuestFileWhence"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .value(let number): try container.encode(number)
        case .name(let name): try container.encode(name.rawValue)
        }
    }
}

public struct GuestFileSeekArguments: Codable, Hashable, Sendable {
    public var handle: Int64
    public var offset: Int64
    public var whence: GuestFileWhence
    public init(handle: Int64, offset: Int64, whence: GuestFileWhence) {
        self.handle = handle
        self.offset = offset
        self.whence = whence
    }
}

public struct GuestFileSeek: Codable, Hashable, Sendable {
    public var position: Int64
    public var eof: Bool
    public init(position: Int64, eof: Bool) {
        self.position = position
        self.eof = eof
    }
}
