/// Decodes schema types (plain `Decodable` structs) from `JSONValue` with QAPI's rules:
/// exact 64-bit integers, no implicit conversions, `null` is not "absent", and in `.arguments`
/// mode a member the type does not declare is an error — checked at the end of each object, as
/// QEMU's input visitor does, so the first error reported is the one qemu-ga reports.
public struct QAPIDecoder: Sendable {
    public enum Mode: Sendable {
        /// Request arguments read by the agent: strict, qemu-ga's errors.
        case arguments
        /// Results read from an untrusted, possibly newer agent: unknown members are ignored
        /// and an optional member that is `null` counts as absent.
        case results
    }

    public var mode: Mode

    public init(mode: Mode) { self.mode = mode }

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(QAPIDecodingError) -> T {
        do {
            return try ValueDecoder.decode(type, with: ValueDecoder(value: value, mode: mode))
        } catch let error as QAPIDecodingError {
            throw error
        } catch {
            // Decodable types of this module throw only QAPIDecodingError; a hand-written one
            // that throws something else is reported against the whole value.
            throw QAPIDecodingError(path: "null", kind: .wrongType(expected: "\(error)"))
        }
    }
}

/// The `Decoder` behind `QAPIDecoder`. A class so that containers can record which members
/// were read, for the unexpected-member check.
///
/// Its coding path is worked out only when an error needs it, from the chain of parents: fleetd
/// decodes every inventory reply of 10,000 VMs, and building a path array for every value
/// (and a key string for every array element) was most of the cost of a clean decode.
final class ValueDecoder: Decoder {
    let value: JSONValue
    let mode: QAPIDecoder.Mode
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// The decoder of the enclosing value and this value's key in it (nil at the root).
    private let parent: ValueDecoder?
    private let key: (any CodingKey)?
    /// Members of this object that the type read (set once it asks for a keyed container, and
    /// only for arguments: results ignore unknown members).
    fileprivate var readKeys: Set<String>?

    /// The decoder of a whole value.
    convenience init(value: JSONValue, mode: QAPIDecoder.Mode) {
        self.init(value: value, parent: nil, key: nil, mode: mode)
    }

    private init(value: JSONValue, parent: ValueDecoder?, key: (any CodingKey)?, mode: QAPIDecoder.Mode) {
        self.value = value
        self.parent = parent
        self.key = key
        self.mode = mode
    }

    /// The decoder of `key`'s member (or element) `value` of this value.
    func child(_ value: JSONValue, key: any CodingKey) -> ValueDecoder {
        ValueDecoder(value: value, parent: self, key: key, mode: mode)
    }

    /// A fresh decoder of this same value (a single-value container decoding a nested type).
    func again() -> ValueDecoder {
        ValueDecoder(value: value, parent: parent, key: key, mode: mode)
    }

    var codingPath: [any CodingKey] { parent.map { $0.codingPath(appending: key) } ?? [] }

    func codingPath(appending key: (any CodingKey)?) -> [any CodingKey] {
        guard let key else { return codingPath }
        return codingPath + [key]
    }

    static func decode<T: Decodable>(_ type: T.Type, with decoder: ValueDecoder) throws -> T {
        if type == JSONValue.self, let same = decoder.value as? T { return same }
        let result = try T(from: decoder)
        try decoder.checkUnexpected()
        return result
    }

    private func checkUnexpected() throws {
        guard mode == .arguments, let readKeys, case .object(let object) = value else { return }
        for key in object.keys where !readKeys.contains(key) {
            throw QAPIDecodingError(path: QAPIDecodingError.path(codingPath, appending: AnyKey(key)), kind: .unexpected)
        }
    }

    func typeError(_ expected: String) -> QAPIDecodingError {
        QAPIDecodingError(path: QAPIDecodingError.path(codingPath), kind: .wrongType(expected: expected))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw typeError("object") }
        if mode == .arguments, readKeys == nil { readKeys = [] }
        return KeyedDecodingContainer(KeyedContainer<Key>(object: object, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw typeError("array") }
        return UnkeyedContainer(elements: elements, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(decoder: self) }

    fileprivate func markRead(_ key: String) { readKeys?.insert(key) }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

/// An array element's key, its text made only if an error path asks for it.
struct IndexKey: CodingKey {
    let index: Int
    var stringValue: String { "\(index)" }
    var intValue: Int? { index }
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { index = intValue }
}

/// Scalar conversions shared by all three container kinds.
private enum Scalars {
    /// `value` is `key`'s member of what `parent` decodes (or, without a key, its own value).
    static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue, parent: ValueDecoder, key: (any CodingKey)?) throws -> T {
        func path() -> [any CodingKey] { parent.codingPath(appending: key) }
        func wrong(_ expected: String) -> QAPIDecodingError {
            QAPIDecodingError(path: QAPIDecodingError.path(path()), kind: .wrongType(expected: expected))
        }
        switch type {
        case is String.Type:
            guard case .string(let s) = value else { throw wrong("string") }
            return s as! T
        case is Bool.Type:
            guard case .bool(let b) = value else { throw wrong("boolean") }
            return b as! T
        case is Int64.Type:
            guard case .int(let i) = value else { throw wrong("integer") }
            return i as! T
        case is UInt64.Type:
            // QEMU's uint64 visitor takes a negative int64 by its bit pattern.
            switch value {
            case .int(let i): return UInt64(bitPattern: i) as! T
            case .uint(let u): return u as! T
            default: throw QAPIDecodingError(path: QAPIDecodingError.path(path()), kind: .notUInt64)
            }
        case is Double.Type:
            // QAPI's 'number' accepts any JSON number.
            switch value {
            case .double(let d): return d as! T
            case .int(let i): return Double(i) as! T
            case .uint(let u): return Double(u) as! T
            default: throw wrong("number")
            }
        case is Int.Type:
            guard case .int(let i) = value, let v = Int(exactly: i) else { throw wrong("integer") }
            return v as! T
        case is Int32.Type:
            guard case .int(let i) = value, let v = Int32(exactly: i) else { throw wrong("integer") }
            return v as! T
        case is UInt32.Type:
            guard let u = value.uint64Value, let v = UInt32(exactly: u) else { throw wrong("integer") }
            return v as! T
        default:
            return try ValueDecoder.decode(type, with: key.map { parent.child(value, key: $0) } ?? parent.again())
        }
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object.contains(key.stringValue) }

    private func member(_ key: Key) throws -> JSONValue {
        decoder.markRead(key.stringValue)
        guard let value = object[key.stringValue] else {
            throw QAPIDecodingError(path: QAPIDecodingError.path(codingPath, appending: key), kind: .missing)
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        decoder.markRead(key.stringValue)
        // Only the results mode treats null as absent; for arguments a null is a wrong type.
        guard decoder.mode == .results else { return object[key.stringValue] == nil }
        return object[key.stringValue]?.isNull ?? true
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let value = try member(key)
        return try Scalars.decode(type, value, parent: decoder, key: key)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        if try decodeNil(forKey: key) { return nil }
        return try decode(type, forKey: key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(member(key), key: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(member(key), key: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try decoder.child(member(key), key: key)
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let decoder: ValueDecoder
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    init(elements: [JSONValue], decoder: ValueDecoder) {
        self.elements = elements
        self.decoder = decoder
    }

    private var elementPath: [any CodingKey] { codingPath + [IndexKey(currentIndex)] }

    private mutating func next() throws -> JSONValue {
        guard !isAtEnd else {
            throw QAPIDecodingError(path: QAPIDecodingError.path(elementPath), kind: .missing)
        }
        defer { currentIndex += 1 }
        return elements[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let key = IndexKey(currentIndex)
        return try Scalars.decode(type, next(), parent: decoder, key: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let key = IndexKey(currentIndex)
        return try decoder.child(next(), key: key).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let key = IndexKey(currentIndex)
        return try decoder.child(next(), key: key).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let key = IndexKey(currentIndex)
        return try decoder.child(next(), key: key)
    }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value.isNull }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if type == JSONValue.self, let same = decoder.value as? T { return same }
        return try Scalars.decode(type, decoder.value, parent: decoder, key: nil)
    }
}
