/// Builds one JSON value from a stream of tokens, reporting the first syntax error with the
/// text QEMU's parser uses. It never sees the brace counting that decides where a message
/// ends; `QGAStreamDecoder` does that, as QEMU's streamer does.
struct JSONTreeBuilder {
    private enum ArrayPhase { case firstOrEnd, value, separatorOrEnd }
    private enum ObjectPhase { case firstKeyOrEnd, key, colon, value, separatorOrEnd }

    private enum Frame {
        case array([JSONValue], ArrayPhase)
        case object(JSONObject, key: String, ObjectPhase)
    }

    private var stack: [Frame] = []
    private(set) var result: JSONValue?
    private(set) var error: QGAStreamError?

    mutating func reset() {
        stack.removeAll(keepingCapacity: stack.count < 64)
        result = nil
        error = nil
    }

    /// Feeds one token; after the first error the rest of the message is ignored.
    mutating func feed(_ kind: JSONTokenKind, _ text: ArraySlice<UInt8>) {
        guard error == nil, result == nil || !stack.isEmpty else {
            if error == nil { fail(.syntax("expecting value")) }
            return
        }
        switch kind {
        case .comma: separator(isComma: true)
        case .colon: separator(isComma: false)
        case .endArray: close(isArray: true)
        case .endObject: close(isArray: false)
        case .beginArray, .beginObject, .string, .number, .keyword:
            valueToken(kind, text)
        }
    }

    private mutating func fail(_ e: QGAStreamError) {
        error = e
        stack.removeAll()  // free what was built; the message is lost anyway
    }

    private mutating func valueToken(_ kind: JSONTokenKind, _ text: ArraySlice<UInt8>) {
        switch stack.last {
        case .array(_, .separatorOrEnd)?:
            return fail(.syntax("expected separator in list"))
        case .object(_, _, .separatorOrEnd)?:
            return fail(.syntax("expected separator in dict"))
        case .object(_, _, .colon)?:
            return fail(.syntax("missing : in object pair"))
        case .object(let object, _, .firstKeyOrEnd)?, .object(let object, _, .key)?:
            guard kind == .string else {
                if kind == .keyword, case .failure(let e) = JSONScalars.keyword(text) { return fail(e) }
                return fail(.syntax("key is not a string in object"))
            }
            switch JSONScalars.string(text) {
            case .failure(let e): return fail(e)
            case .success(let key):
                if object.contains(key) { return fail(.syntax("duplicate key")) }
                stack.removeLast()
                stack.append(.object(object, key: key, .colon))
            }
        default:
            switch kind {
            case .beginArray: stack.append(.array([], .firstOrEnd))
            case .beginObject: stack.append(.object(JSONObject(), key: "", .firstKeyOrEnd))
            case .string:
                switch JSONScalars.string(text) {
                case .success(let s): attach(.string(s))
                case .failure(let e): fail(e)
                }
            case .number(let isInteger): attach(JSONScalars.number(text, isInteger: isInteger))
            case .keyword:
                switch JSONScalars.keyword(text) {
                case .success(let v): attach(v)
                case .failure(let e): fail(e)
                }
            default: break
            }
        }
    }

    private mutating func separator(isComma: Bool) {
        switch stack.last {
        case .array(let elements, .separatorOrEnd)?:
            guard isComma else { return fail(.syntax("expected separator in list")) }
            stack[stack.count - 1] = .array(elements, .value)
        case .object(let object, let key, .separatorOrEnd)?:
            guard isComma else { return fail(.syntax("expected separator in dict")) }
            stack[stack.count - 1] = .object(object, key: key, .key)
        case .object(let object, let key, .colon)?:
            guard !isComma else { return fail(.syntax("missing : in object pair")) }
            stack[stack.count - 1] = .object(object, key: key, .value)
        default:
            fail(.syntax("expecting value"))
        }
    }

    private mutating func close(isArray: Bool) {
        switch stack.last {
        case .array(let elements, let phase)? where phase != .value:
            // QEMU reads a value after "[" (so "[}" lacks a value) and a separator after one.
            guard isArray else {
                return fail(.syntax(phase == .firstOrEnd ? "expecting value" : "expected separator in list"))
            }
            stack.removeLast()
            attach(.array(elements))
        case .object(let object, _, let phase)? where phase == .firstKeyOrEnd || phase == .separatorOrEnd:
            guard !isArray else {
                return fail(.syntax(phase == .firstKeyOrEnd ? "expecting value" : "expected separator in dict"))
            }
            stack.removeLast()
            attach(.object(object))
        case .object(_, _, .colon)?:
            fail(.syntax("missing : in object pair"))
        default:
            fail(.syntax("expecting value"))
        }
    }

    /// Places a finished value into the open container, or makes it the result.
    private mutating func attach(_ value: JSONValue) {
        guard let top = stack.popLast() else {
            result = value
            return
        }
        switch top {
        case .array(var elements, _):
            elements.append(value)
            stack.append(.array(elements, .separatorOrEnd))
        case .object(var object, let key, _):
            object.insertNew(key, value)
            stack.append(.object(object, key: key, .separatorOrEnd))
        }
    }
}
