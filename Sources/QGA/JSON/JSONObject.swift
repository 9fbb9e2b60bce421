/// A JSON object that keeps its members in the order they were written.
///
/// Order is kept so that what we send reads like the schema; equality ignores order, because a
/// JSON object is a map (qemu-ga itself writes members in hash-table order). Keys are unique.
/// Small objects (everything QGA sends in practice) are searched linearly; large ones get a hash
/// index so that a hostile object with a million members costs linear, not quadratic, time.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member] = []
    private var index: [String: Int]? = nil
    private static let indexThreshold = 16

    public init() {}

    /// Builds an object from members; a repeated key keeps its last value.
    public init(_ members: some Sequence<Member>) {
        for member in members { self[member.key] = member.value }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Member(key: $0.0, value: $0.1) })
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public func position(of key: String) -> Int? {
        if let index { return index[key] }
        return members.firstIndex { $0.key == key }
    }

    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    /// Reads a member; assigning `nil` removes it, assigning a value replaces it in place or
    /// appends it.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let newValue {
                if let at = position(of: key) {
                    members[at].value = newValue
                } else {
                    members.append(Member(key: key, value: newValue))
                    index?[key] = members.count - 1
                    if index == nil, members.count > Self.indexThreshold { rebuildIndex() }
                }
            } else if let at = position(of: key) {
                members.remove(at: at)
                if index != nil { rebuildIndex() }
            }
        }
    }

    /// Appends a member whose key is known to be new; returns false (and changes nothing) when
    /// the key is already present.
    @discardableResult
    public mutating func insertNew(_ key: String, _ value: JSONValue) -> Bool {
        if contains(key) { return false }
        self[key] = value
        return true
    }

    private mutating func rebuildIndex() {
        var built = [String: Int](minimumCapacity: members.count)
        for (offset, member) in members.enumerated() { built[member.key] = offset }
        index = built
    }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for member in lhs.members where rhs[member.key] != member.value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine each member's own hash commutatively.
        var sum = 0
        for member in members { sum &+= member.hashValue }
        hasher.combine(count)
        hasher.combine(sum)
    }
}
