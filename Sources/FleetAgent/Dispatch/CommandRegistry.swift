import QGA

/// What a handler receives: the decoded arguments are already typed by the registry.
/// Throws `QGAError` or `QAPIDecodingError` (kept untyped: typed throws through this generic
/// closure crashes the Swift 6.3 compiler).
typealias RawHandler = (JSONObject?, AgentContext) throws -> JSONValue

/// The agent's handlers, keyed by command name. Registering through a `QGACommand` type ties
/// argument checking (QAPI rules, qemu-ga's texts) and result encoding to the shared schema.
struct CommandRegistry {
    private(set) var handlers: [String: RawHandler] = [:]
    /// Commands listed in guest-info but never enabled on Linux (qemu-ga lists guest-get-devices so).
    private(set) var unavailable: Set<String> = []

    mutating func register<C: QGACommand>(
        _ command: C.Type, _ body: @escaping (C.Arguments, AgentContext) throws(QGAError) -> C.Result
    ) {
        handlers[C.name] = { arguments, context in
            let typed = try C.decodeArguments(arguments)
            return QAPIEncoder().encode(try body(typed, context))
        }
    }

    /// Lists a command without a Linux implementation; calling it says it is disabled.
    mutating func registerUnavailable<C: QGACommand>(_ command: C.Type) {
        unavailable.insert(C.name)
    }

    func handler(for name: String) -> RawHandler? { handlers[name] }

    func knows(_ name: String) -> Bool { handlers[name] != nil || unavailable.contains(name) }
}
