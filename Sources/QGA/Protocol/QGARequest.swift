/// A request: `{"execute": NAME, "arguments": {...}, "id": ANY}`.
public struct QGARequest: Hashable, Sendable {
    public var execute: String
    public var arguments: JSONObject?
    /// Any JSON value; echoed unchanged in the reply.
    public var id: JSONValue?

    public init(execute: String, arguments: JSONObject? = nil, id: JSONValue? = nil) {
        self.execute = execute
        self.arguments = arguments
        self.id = id
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["execute"] = .string(execute)
        if let arguments { object["arguments"] = .object(arguments) }
        if let id { object["id"] = id }
        return .object(object)
    }

    /// The wire form (compact, no newline needed: qemu-ga reads a stream of objects).
    public func bytes() -> [UInt8] { JSONWriter(style: .compact).bytes(json) }

    /// The checks qemu-ga makes on a request's envelope, in member order, with its texts.
    /// On failure, `id` is what the reply must echo (present when the input was an object
    /// that carried one).
    public static func parse(_ value: JSONValue) -> Result<QGARequest, EnvelopeError> {
        guard case .object(let object) = value else {
            return .failure(EnvelopeError(error: .inputNotObject, id: nil))
        }
        let id = object["id"]
        var execute: String?
        var arguments: JSONObject?
        for member in object {
            switch member.key {
            case "execute":
                guard case .string(let name) = member.value else {
                    return .failure(EnvelopeError(error: .inputMemberNotString("execute"), id: id))
                }
                execute = name
            case "arguments":
                guard case .object(let args) = member.value else {
                    return .failure(EnvelopeError(error: .argumentsNotObject, id: id))
                }
                arguments = args
            case "id":
                continue
            default:
                // qemu-ga has no out-of-band execution, so "exec-oob" is unexpected too.
                return .failure(EnvelopeError(error: .inputMemberUnexpected(member.key), id: id))
            }
        }
        guard let execute else { return .failure(EnvelopeError(error: .inputLacksExecute, id: id)) }
        return .success(QGARequest(execute: execute, arguments: arguments, id: id))
    }

    public struct EnvelopeError: Error, Hashable, Sendable {
        public var error: QGAError
        public var id: JSONValue?
    }
}
