/// Building blocks shared by the schema files.

/// The empty object: the arguments of a command that takes none, and the `return` of a
/// command that returns nothing (qemu-ga replies `{"return": {}}`). Decoding it strictly
/// rejects any member, as qemu-ga does.
public struct QGAEmpty: Codable, Hashable, Sendable {
    public init() {}

    private struct NoKeys: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: NoKeys.self)
    }

    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: NoKeys.self)
    }
}

/// An enum in a *result*. Results come from agents that may be newer (or hostile), so a value
/// this schema does not list is kept as it came instead of failing the whole reply.
public protocol QAPIOpenEnum: RawRepresentable<String>, Codable, Hashable, Sendable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    init(rawValue: String)
}

extension QAPIOpenEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Coding keys for flat unions, whose branch members sit beside the discriminator.
struct UnionTypeKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    static let type = UnionTypeKey("type")
}
