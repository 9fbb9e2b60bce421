/// Builds one JSON value from a stream of tokens, reporting the first syntax error with the
/// text QEMU's parser uses. It never sees the brace counting that decides where a message
/// ends; `QGAStreamDecoder` does that, as QEMU's streamer does.
struct JSONTreeBuilder {
    private enum ArrayPhase { case firstOrEnd, value, separatorOrEnd }
    private enum ObjectPhase { case firstKeyOrEnd, key, colon, value, separatorOrEnd }

    /// An open container's parse state. Its contents live apart, in `arrays` / `objects`, and
    /// are only ever mutated in place there: a container held inside an enum case is copied
    /// whenever it is taken out to append to, which made building an n-element array O(n²).
    private enum Frame {
        case array(ArrayPhase)
        case object(key: String, ObjectPhase)
    }

    private var stack: [Frame] = []
    private var arrays: [[JSONValue]] = []
    private var objects: [JSONObject] = []
    private(set) var result: JSONValue?
    private(set) var error: QGAStreamError?

    mutating func reset() {
        stack.removeAll(keepingCapacity: stack.count < 64)
        arrays.removeAll(keepingCapacity: arrays.count < 64)
        objects.removeAll(keepingCapacity: objects.count < 64)
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
        // Free what was built; the message is lost anyway.
        stack.removeAll()
        arrays.removeAll()
        objects.removeAll()
    }

    private mutating func valueToken(_ kind: JSONTokenKind, _ text: ArraySlice<UInt8>) {
        switch stack.last {
        case .array(.separatorOrEnd)?:
            return fail(.syntax("expected separator in list"))
        case .object(_, .separatorOrEnd)?:
            return fail(.syntax("expected separator in dict"))
        case .object(_, .colon)?:
            return fail(.syntax("missing : in object pair"))
        case .object(_, .firstKeyOrEnd)?, .object(_, .key)?:
            guard kind == .string else {
                if kind == .keyword, case .failure(let e) = JSONScalars.keyword(text) { return fail(e) }
                return fail(.syntax("key is not a string in object"))
            }
            switch JSONScalars.string(text) {
            case .failure(let e): return fail(e)
            case .success(let key):
                if objects[objects.count - 1].contains(key) { return fail(.syntax("duplicate key")) }
                stack[stack.count - 1] = .object(key: key, .colon)
            }
        default:
            switch kind {
            case .beginArray:
                stack.append(.array(.firstOrEnd))
                arrays.append([])
            case .beginObject:
                stack.append(.object(key: "", .firstKeyOrEnd))
                objects.append(JSONObject())
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
        case .array(.separatorOrEnd)?:
            guard isComma else { return fail(.syntax("expected separator in list")) }
            stack[stack.count - 1] = .array(.value)
        case .object(let key, .separatorOrEnd)?:
            guard isComma else { return fail(.syntax("expected separator in dict")) }
            stack[stack.count - 1] = .object(key: key, .key)
        case .object(let key, .colon)?:
            guard !isComma else { return fail(.syntax("missing : in object pair")) }
            stack[stack.count - 1] = .object(key: key, .value)
        default:
            fail(.syntax("expecting value"))
        }
    }

    private mutating func close(isArray: Bool) {
        switch stack.last {
        case .array(let phase)? where phase != .value:
            // QEMU reads a value after "[" (so "[}" lacks a value) and a separator after one.
            guard isArray else {
                return fail(.syntax(phase == .firstOrEnd ? "expecting value" : "expected separator in list"))
            }
            stack.removeLast()
            attach(.array(arrays.removeLast()))
        case .object(_, let phase)? where phase == .firstKeyOrEnd || phase == .separatorOrEnd:
            guard !isArray else {
                return fail(.syntax(phase == .firstKeyOrEnd ? "expecting value" : "expected separator in dict"))
            }
            stack.removeLast()
            attach(.object(objects.removeLast()))
        case .object(_, .colon)?:
            fail(.syntax("missing : in object pair"))
        default:
            fail(.syntax("expecting value"))
        }
    }

    /// Places a finished value into the open container, or makes it the result.
    private mutating func attach(_ value: JSONValue) {
        guard let top = stack.last else {
            result = value
            return
        }
        switch top {
        case .array:
            arrays[arrays.count - 1].append(value)
            stack[stack.count - 1] = .array(.separatorOrEnd)
        case .object(let key, _):
            objects[objects.count - 1].insertNew(key, value)
            stack[stack.count - 1] = .object(key: key, .separatorOrEnd)
        }
    }
}
