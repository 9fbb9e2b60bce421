import QGA

/// Turns decoded input into reply bytes, exactly as qemu-ga answers: parse errors and envelope
/// errors as GenericError, unknown and disabled commands as CommandNotFound, argument errors with
/// QAPI's texts, no reply for a successful `success-response: false` command, the request's `id`
/// echoed, and the guest-sync-delimited reply prefixed with 0xFF.
final class Dispatcher {
    let registry: CommandRegistry
    let context: AgentContext
    private let writer = JSONWriter(style: .qemu)

    init(registry: CommandRegistry, context: AgentContext) {
        self.registry = registry
        self.context = context
    }

    /// The bytes to send for one decoder event, or nil when nothing is sent.
    func reply(to event: QGAStreamEvent) -> [UInt8]? {
        switch event {
        case .delimiter:
            return nil
        case .error(let streamError):
            context.log.debug("parse error: \(streamError.description)")
            return frame(.failure(QGAError(streamError)))
        case .message(let value):
            return reply(to: value)
        }
    }

    func reply(to value: JSONValue) -> [UInt8]? {
        let request: QGARequest
        switch QGARequest.parse(value) {
        case .failure(let envelope):
            return frame(.failure(envelope.error, id: envelope.id))
        case .success(let parsed):
            request = parsed
        }
        let name = request.execute
        guard registry.knows(name) else {
            return frame(.failure(.commandNotFound(name), id: request.id))
        }
        if let refusal = context.policy.refusal(for: name, unavailable: registry.handler(for: name) == nil) {
            return frame(.failure(refusal, id: request.id))
        }
        context.log.debug("\(name) called")
        let result: JSONValue
        do {
            result = try registry.handler(for: name)!(request.arguments, context)
        } catch {
            let failure: QGAError
            switch error {
            case let error as QGAError: failure = error
            case let error as QAPIDecodingError: failure = error.qgaError
            default: failure = .generic("\(error)")
            }
            context.log.debug("\(name) failed: \(failure.desc)")
            return frame(.failure(failure, id: request.id))
        }
        if !(QGACommandTable.command(named: name)?.successResponse ?? true) { return nil }
        var bytes = frame(.success(result, id: request.id))
        if name == GuestSyncDelimitedCommand.name { bytes.insert(0xFF, at: 0) }
        return bytes
    }

    private func frame(_ reply: QGAReply) -> [UInt8] { writer.line(reply.json) }

    /// guest-info's list: every command the agent knows, newest first as qemu-ga lists them.
    func agentInfo() -> GuestAgentInfo {
        let commands = QGACommandTable.all.reversed().filter { registry.knows($0.name) }.map { command in
            GuestAgentCommandInfo(
                name: command.name,
                enabled: context.policy.refusal(for: command.name, unavailable: registry.handler(for: command.name) == nil) == nil,
                successResponse: command.successResponse)
        }
        return GuestAgentInfo(version: FleetVersion.current, supportedCommands: commands)
    }
}
