extension JSONValue {
    /// Parses one complete JSON object or array (as QEMU's parser reads it), for callers that
    /// hold a whole document rather than a stream. Nil when the bytes are not exactly one.
    public static func parseDocument(_ bytes: some Sequence<UInt8>, limits: QGAStreamLimits = .qemu) -> JSONValue? {
        var decoder = QGAStreamDecoder(role: .host, limits: limits)
        var events = decoder.feed(bytes)
        // A trailing newline ends a document that stopped in a token.
        events += decoder.feed([0x0A])
        guard events.count == 1, case .message(let value) = events[0], decoder.isIdle else { return nil }
        return value
    }
}
