import FleetAPIModel
import FleetSupervisor
import Foundation
import OpenAPIRuntime
import QGA

/// The admin tier besides exec: guest files, passwords, ssh keys and raw agent commands.
extension ControlAPI {
    func readFile(_ input: Operations.ReadFile.Input) async throws -> Operations.ReadFile.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("readFile needs a JSON body") }
        let (bytes, truncated) = try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { try await $0.readFile(body.path, limit: body.maxBytes ?? (16 << 20)) }
        return .ok(.init(body: .json(.init(
            path: body.path, content: Base64EncodedData(bytes), size: Int64(bytes.count), truncated: truncated))))
    }

    func writeFile(_ input: Operations.WriteFile.Input) async throws -> Operations.WriteFile.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("writeFile needs a JSON body") }
        let content = Array(body.content.data)
        let written = try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { try await $0.writeFile(body.path, content, append: body.append == true) }
        return .ok(.init(body: .json(.init(path: body.path, written: written))))
    }

    func setPassword(_ input: Operations.SetPassword.Input) async throws -> Operations.SetPassword.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("setPassword needs a JSON body") }
        try await withAgent(input.path.name, waitPaused: input.query.waitPaused) {
            try await $0.setPassword(user: body.username, password: body.password, crypted: body.crypted ?? false)
        }
        return .ok(.init(body: .json(.init(done: true))))
    }

    func getSSHKeys(_ input: Operations.GetSSHKeys.Input) async throws -> Operations.GetSSHKeys.Output {
        let user = input.query.user
        let keys = try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { try await $0.sshKeys(user: user) }
        return .ok(.init(body: .json(.init(user: user, keys: keys))))
    }

    func changeSSHKeys(_ input: Operations.ChangeSSHKeys.Input) async throws -> Operations.ChangeSSHKeys.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("changeSSHKeys needs a JSON body") }
        let add = body.add ?? [], remove = body.remove ?? []
        // Nothing to add, remove or reset is a change that is already made.
        guard !add.isEmpty || !remove.isEmpty || body.reset == true else { return .ok(.init(body: .json(.init(done: true)))) }
        try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { try await $0.changeSSHKeys(user: body.username, add: add, remove: remove, reset: body.reset) }
        return .ok(.init(body: .json(.init(done: true))))
    }

    func agentCommand(_ input: Operations.AgentCommand.Input) async throws -> Operations.AgentCommand.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("agentCommand needs a JSON body") }
        let timeout = Duration.milliseconds(ClientNumbers.milliseconds(input.query.timeout ?? 30, within: 0.1...600))
        var arguments: JSONObject?
        if let given = body.arguments {
            guard case .object(let object)? = try JSONBridge.value(given) else {
                throw APIError.badRequest("arguments must be a JSON object")
            }
            arguments = object
        }
        let request = QGARequest(execute: body.execute, arguments: arguments)
        guard let reply = try await withAgent(input.path.name, waitPaused: input.query.waitPaused, { try await $0.raw(request, timeout: timeout) }) else {
            return .ok(.init(body: .json(.init())))
        }
        switch reply.outcome {
        case .success(let value):
            return .ok(.init(body: .json(.init(_return: try JSONBridge.container(value)))))
        case .failure(let error):
            return .ok(.init(body: .json(.init(error: .init(_class: error.errorClass.rawValue, desc: error.desc)))))
        }
    }
}
