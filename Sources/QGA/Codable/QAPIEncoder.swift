/// Encodes schema types (plain `Encodable` structs) into `JSONValue`, keeping member order
/// and 64-bit integers exact. `nil` optionals are left out, as QAPI omits absent members.
public struct QAPIEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) -> JSONValue {
        if let json = value as? JSONValue { return json }
        let encoder = ValueEncoder(codingPath: [])
        do {
            try value.encode(to: encoder)
        } catch {
            // Nothing in this encoder throws; a custom encode(to:) that does is a programming error.
            preconditionFailure("encoding \(T.self) failed: \(error)")
        }
        return encoder.storage.json
    }
}

/// Mutable tree the containers write into; turned into `JSONValue` at the end.
final class EncodedNode {
    enum Content {
        case empty
        case value(JSONValue)
        case object([(String, EncodedNode)])
        case array([EncodedNode])
    }

    var content: Content = .empty

    var json: JSONValue {
        switch content {
        case .empty: return .object(JSONObject())
        case .value(let v): return v
        case .object(let members):
            var object = JSONObject()
            for (key, node) in members { object[key] = node.json }
            return .object(object)
        case .array(let nodes): return .array(nodes.map(\.json))
        }
    }

    func child(forKey key: String) -> EncodedNode {
        if case .empty = content { content = .object([]) }
        guard case .object(var members) = content else { preconditionFailure("mixed containers") }
        let node = EncodedNode()
        content = .empty  // release the array's other reference before appending
        members.append((key, node))
        content = .object(members)
        return node
    }

    func appendChild() -> EncodedNode {
        if case .empty = content { content = .array([]) }
        guard case .array(var nodes) = content else { preconditionFailure("mixed containers") }
        let node = EncodedNode()
        content = .empty
        nodes.append(node)
        content = .array(nodes)
        return node
    }
}

final class ValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let storage: EncodedNode

    init(codingPath: [any CodingKey], storage: EncodedNode = EncodedNode()) {
        self.codingPath = codingPath
        self.storage = storage
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .empty = storage.content { storage.content = .object([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .empty = storage.content { storage.content = .array([]) }
        return UnkeyedContainer(node: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(node: storage, codingPath: codingPath)
    }

    /// Scalars become values directly; anything else encodes itself into the node.
    static func encode<T: Encodable>(_ value: T, into node: EncodedNode, codingPath: [any CodingKey]) throws {
        switch value {
        case let v as JSONValue: node.content = .value(v)
        case let v as String: node.content = .value(.string(v))
        case let v as Bool: node.content = .value(.bool(v))
        case let v as Int64: node.content = .value(.int(v))
        case let v as UInt64: node.content = .value(.integer(v))
        case let v as Int: node.content = .value(.int(Int64(v)))
        case let v as Int32: node.content = .value(.int(Int64(v)))
        case let v as UInt32: node.content = .value(.int(Int64(v)))
        case let v as Double: node.content = .value(.double(v))
        default: try value.encode(to: ValueEncoder(codingPath: codingPath, storage: node))
        }
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodedNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) { node.child(forKey: key.stringValue).content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try ValueEncoder.encode(value, into: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(codingPath: codingPath + [key], storage: node.child(forKey: key.stringValue)).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ValueEncoder(codingPath: codingPath + [key], storage: node.child(forKey: key.stringValue)).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(codingPath: codingPath, storage: node) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        ValueEncoder(codingPath: codingPath + [key], storage: node.child(forKey: key.stringValue))
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: EncodedNode
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let nodes) = node.content { return nodes.count }
        return 0
    }

    mutating func encodeNil() { node.appendChild().content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath + [IndexKey(count)]
        try ValueEncoder.encode(value, into: node.appendChild(), codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = codingPath + [IndexKey(count)]
        return ValueEncoder(codingPath: path, storage: node.appendChild()).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = codingPath + [IndexKey(count)]
        return ValueEncoder(codingPath: path, storage: node.appendChild()).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let path = codingPath + [IndexKey(count)]
        return ValueEncoder(codingPath: path, storage: node.appendChild())
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: EncodedNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() { node.content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try ValueEncoder.encode(value, into: node, codingPath: codingPath)
    }
}
