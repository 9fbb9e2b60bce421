/// A streaming decoder for the QGA wire: feed it bytes as they arrive, in any split, and it
/// yields complete messages and per-message errors, never losing its place in the stream.
///
/// It follows QEMU's three layers: a lexer (bytes → tokens, with QEMU's error recovery), a
/// streamer (counts braces and brackets to find where a message ends, enforces the limits) and
/// a parser (`JSONTreeBuilder`). It does no I/O, so it works on raw `read()` buffers, inside a
/// SwiftNIO handler, or in a fuzzer.
///
/// Memory is bounded by the limits: a message that passes one is reported once and the rest of
/// it is skipped without being stored (qemu-ga instead parses the remainder as new input and
/// reports a cascade of errors; skipping it is the sound behaviour and is documented as a
/// deviation).
public struct QGAStreamDecoder: Sendable {
    public let role: QGAStreamRole
    /// Can change between feeds (fleetd allows larger replies while a large one is expected).
    public var limits: QGAStreamLimits

    enum NumberPhase { case minus, zero, integer, dot, fraction, exponentMark, exponentSign, exponent }

    private enum LexState {
        case start
        case string(quote: UInt8)
        case stringEscape(quote: UInt8)
        case number(NumberPhase, isInteger: Bool)
        case keyword
        /// After a lexical error: skip to a byte where a new message plausibly starts.
        case recovery
        /// Host role, while waiting for a sync reply: drop everything up to the next 0xFF.
        case awaitingDelimiter
    }

    private var state: LexState = .start
    /// Text of the token being lexed (kept only while the message is within its limits).
    private var token: [UInt8] = []
    private var braces = 0
    private var brackets = 0
    private var messageTokens = 0
    private var messageBytes = 0
    /// Set after a limit error: the rest of the message is counted, not kept.
    private var skippingMessage = false
    private var builder = JSONTreeBuilder()

    public init(role: QGAStreamRole, limits: QGAStreamLimits = .qemu) {
        self.role = role
        self.limits = limits
    }

    /// Bytes held for the message in progress: token bytes counted against the size limit plus
    /// the current token. Stays below `limits.maxMessageBytes` whatever is fed.
    public var pendingBytes: Int { messageBytes + token.count }

    /// True when no partial message is held.
    public var isIdle: Bool {
        if case .start = state { return braces == 0 && brackets == 0 && messageTokens == 0 }
        return false
    }

    /// Drops any partial message and lexer state.
    public mutating func reset() {
        state = .start
        clearToken()
        endMessage()
    }

    /// Host role: ignore everything until the next 0xFF sentinel (the reply to a
    /// guest-sync-delimited just sent). The sentinel yields `.delimiter`.
    public mutating func discardUntilDelimiter() {
        reset()
        state = .awaitingDelimiter
    }

    /// Convenience for tests and simple callers.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [QGAStreamEvent] {
        var events: [QGAStreamEvent] = []
        Array(bytes).withUnsafeBytes { feed($0) { events.append($0) } }
        return events
    }

    /// Feeds a buffer, calling `emit` for each event in stream order.
    public mutating func feed(_ buffer: UnsafeRawBufferPointer, _ emit: (QGAStreamEvent) -> Void) {
        var offset = 0
        while offset < buffer.count {
            // Inside a string, a run of bytes that neither ends it, escapes nor breaks it is
            // taken whole (most of an inventory reply is such runs) — as far as the size limit
            // allows, or skipped whole once the message is past it. The byte after the run goes
            // through the lexer alone (and raises the limit error if it does not fit).
            if case .string(let quote) = state {
                let room = skippingMessage ? buffer.count - offset : limits.maxMessageBytes - messageBytes - token.count
                let run = Self.plainStringRun(buffer, from: offset, upTo: min(buffer.count, offset + max(room, 0)), quote: quote)
                if run > 0 {
                    if !skippingMessage { token.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + run)])) }
                    offset += run
                    continue
                }
            }
            step(buffer[offset], emit)
            offset += 1
        }
    }

    /// How many bytes from `start` (up to `end`) the string lexer would only append: not the
    /// quote, not a backslash, no control byte, no 0xFE/0xFF (invalid in QEMU's lexer; 0xFF is
    /// also the host's sync delimiter).
    private static func plainStringRun(_ buffer: UnsafeRawBufferPointer, from start: Int, upTo end: Int, quote: UInt8) -> Int {
        var position = start
        while position < end {
            let byte = buffer[position]
            if byte == quote || byte == 0x5C || byte < 0x20 || byte >= 0xFE { break }
            position += 1
        }
        return position - start
    }

    // MARK: Lexer

    private mutating func step(_ byte: UInt8, _ emit: (QGAStreamEvent) -> Void) {
        if byte == 0xFF, role == .host {
            reset()
            emit(.delimiter)
            return
        }
        // A loop because a byte that ends a number or keyword is then read afresh.
        while true {
            switch state {
            case .awaitingDelimiter:
                return
            case .recovery:
                guard Self.endsRecovery(byte) else { return }
                state = .start
                continue
            case .start:
                lexStart(byte, emit)
                return
            case .string(let quote):
                appendTokenByte(byte, emit)
                if byte == quote {
                    state = .start
                    finishToken(.string, emit)
                } else if byte == 0x5C {
                    state = .stringEscape(quote: quote)
                } else if byte < 0x20 || byte >= 0xFE {
                    lexError(emit)
                }
                return
            case .stringEscape(let quote):
                appendTokenByte(byte, emit)
                if byte < 0x20 || byte >= 0xFE { lexError(emit) } else { state = .string(quote: quote) }
                return
            case .keyword:
                if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") {
                    appendTokenByte(byte, emit)
                    return
                }
                state = .start
                finishToken(.keyword, emit)
                continue
            case .number(let phase, let isInteger):
                if let next = Self.numberTransition(phase, byte) {
                    appendTokenByte(byte, emit)
                    let stillInteger = isInteger && next != .dot && next != .exponentMark
                    state = .number(next, isInteger: stillInteger)
                    return
                }
                if Self.numberCanEnd(phase) && !(phase == .zero && Self.isDigit(byte)) {
                    state = .start
                    finishToken(.number(isInteger: isInteger), emit)
                    continue
                }
                // "00", "-x", "1.}", "1e}": QEMU quotes the token with the offending byte.
                appendTokenByte(byte, emit)
                lexError(emit)
                return
            }
        }
    }

    private mutating func lexStart(_ byte: UInt8, _ emit: (QGAStreamEvent) -> Void) {
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D:
            return
        case UInt8(ascii: "{"): structural(.beginObject, byte, emit)
        case UInt8(ascii: "}"): structural(.endObject, byte, emit)
        case UInt8(ascii: "["): structural(.beginArray, byte, emit)
        case UInt8(ascii: "]"): structural(.endArray, byte, emit)
        case UInt8(ascii: ":"): structural(.colon, byte, emit)
        case UInt8(ascii: ","): structural(.comma, byte, emit)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            state = .string(quote: byte)
            appendTokenByte(byte, emit)
        case UInt8(ascii: "-"):
            state = .number(.minus, isInteger: true)
            appendTokenByte(byte, emit)
        case UInt8(ascii: "0"):
            state = .number(.zero, isInteger: true)
            appendTokenByte(byte, emit)
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            state = .number(.integer, isInteger: true)
            appendTokenByte(byte, emit)
        case UInt8(ascii: "a")...UInt8(ascii: "z"):
            state = .keyword
            appendTokenByte(byte, emit)
        default:
            appendTokenByte(byte, emit)
            lexError(emit)
        }
    }

    private mutating func structural(_ kind: JSONTokenKind, _ byte: UInt8, _ emit: (QGAStreamEvent) -> Void) {
        appendTokenByte(byte, emit)
        finishToken(kind, emit)
    }

    private mutating func appendTokenByte(_ byte: UInt8, _ emit: (QGAStreamEvent) -> Void) {
        guard !skippingMessage else { return }
        if messageBytes + token.count + 1 > limits.maxMessageBytes {
            limitExceeded(.tokenSizeExceeded, emit)
            return
        }
        token.append(byte)
    }

    /// A lexical error ends the message at once, like QEMU's streamer does on JSON_ERROR.
    private mutating func lexError(_ emit: (QGAStreamEvent) -> Void) {
        let wasSkipping = skippingMessage
        let text = token
        state = .recovery
        clearToken()
        endMessage()
        if !wasSkipping { emit(.error(.stray(text))) }
    }

    // MARK: Streamer

    private mutating func finishToken(_ kind: JSONTokenKind, _ emit: (QGAStreamEvent) -> Void) {
        switch kind {
        case .beginObject: braces += 1
        case .endObject: braces -= 1
        case .beginArray: brackets += 1
        case .endArray: brackets -= 1
        default: break
        }
        let complete = !((braces > 0 || brackets > 0) && braces >= 0 && brackets >= 0)

        if skippingMessage {
            clearToken()
            if complete { endMessage() }
            return
        }
        messageTokens += 1
        messageBytes += token.count
        if messageTokens > limits.maxTokens {
            return limitExceeded(.tokenCountExceeded, emit, complete: complete)
        }
        if braces + brackets > limits.maxDepth {
            return limitExceeded(.nestingExceeded, emit, complete: complete)
        }
        builder.feed(kind, token[...])
        clearToken()
        guard complete else { return }

        let event: QGAStreamEvent
        if let error = builder.error {
            event = .error(error)
        } else if let value = builder.result {
            event = .message(value)
        } else {
            event = .error(.syntax("expecting value"))
        }
        endMessage()
        emit(event)
    }

    private mutating func limitExceeded(
        _ error: QGAStreamError, _ emit: (QGAStreamEvent) -> Void, complete: Bool = false
    ) {
        clearToken()
        builder.reset()
        if complete {
            endMessage()
        } else {
            skippingMessage = true
        }
        emit(.error(error))
    }

    private mutating func clearToken() {
        // Give back the memory of an unusually large token instead of keeping its capacity.
        if token.capacity > 1 << 16 { token = [] } else { token.removeAll(keepingCapacity: true) }
    }

    private mutating func endMessage() {
        braces = 0
        brackets = 0
        messageTokens = 0
        messageBytes = 0
        skippingMessage = false
        builder.reset()
    }
}
