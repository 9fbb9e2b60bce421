import Testing
@testable import QGA

/// Feeds `bytes` in one piece and returns the events.
func decodeAll(_ bytes: [UInt8], role: QGAStreamRole = .agent, limits: QGAStreamLimits = .qemu) -> [QGAStreamEvent] {
    var decoder = QGAStreamDecoder(role: role, limits: limits)
    return decoder.feed(bytes)
}

func decodeAll(_ text: String, role: QGAStreamRole = .agent, limits: QGAStreamLimits = .qemu) -> [QGAStreamEvent] {
    decodeAll(Array(text.utf8), role: role, limits: limits)
}

/// The description of every error event, in order.
func errorTexts(_ events: [QGAStreamEvent]) -> [String] {
    events.compactMap { if case .error(let e) = $0 { return e.description } else { return nil } }
}

func messages(_ events: [QGAStreamEvent]) -> [JSONValue] {
    events.compactMap { if case .message(let m) = $0 { return m } else { return nil } }
}

/// Parses one complete JSON text (with a trailing space so a bare number ends).
func parseJSON(_ text: String) -> JSONValue? {
    let events = decodeAll(text + " ")
    guard events.count == 1, case .message(let value) = events[0] else { return nil }
    return value
}

let ping = #"{"execute":"guest-ping"}"#
