/// A reply: `{"return": VALUE, "id": ...}` or `{"error": {"class", "desc"}, "id": ...}`.
public struct QGAReply: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        case success(JSONValue)
        case failure(QGAError)
    }

    public var outcome: Outcome
    public var id: JSONValue?

    public init(_ outcome: Outcome, id: JSONValue? = nil) {
        self.outcome = outcome
        self.id = id
    }

    public static func success(_ value: JSONValue, id: JSONValue? = nil) -> QGAReply {
        QGAReply(.success(value), id: id)
    }

    public static func failure(_ error: QGAError, id: JSONValue? = nil) -> QGAReply {
        QGAReply(.failure(error), id: id)
    }

    public var json: JSONValue {
        var object = JSONObject()
        switch outcome {
        case .success(let value): object["return"] = value
        case .failure(let error): object["error"] = error.json
        }
        if let id { object["id"] = id }
        return .object(object)
    }

    /// Reads a reply from an untrusted agent. Anything but the two documented shapes is an
    /// error that says what was wrong; members beyond `return`/`error`/`id` are ignored, as a
    /// newer agent may add some.
    public static func parse(_ value: JSONValue) -> Result<QGAReply, QGAReplyShapeError> {
        guard case .object(let object) = value else {
            return .failure(QGAReplyShapeError("reply is not a JSON object"))
        }
        let id = object["id"]
        switch (object["return"], object["error"]) {
        case (let result?, nil):
            return .success(.success(result, id: id))
        case (nil, .object(let error)?):
            guard case .string(let errorClass)? = error["class"] else {
                return .failure(QGAReplyShapeError("error reply has no string 'class'"))
            }
            guard case .string(let desc)? = error["desc"] else {
                return .failure(QGAReplyShapeError("error reply has no string 'desc'"))
            }
            return .success(.failure(QGAError(QGAErrorClass(errorClass), desc), id: id))
        case (nil, _?):
            return .failure(QGAReplyShapeError("reply member 'error' is not an object"))
        case (_?, _?):
            return .failure(QGAReplyShapeError("reply has both 'return' and 'error'"))
        case (nil, nil):
            return .failure(QGAReplyShapeError("reply has neither 'return' nor 'error'"))
        }
    }
}
