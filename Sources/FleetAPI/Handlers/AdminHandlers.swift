import FleetAPIModel
import FleetSupervisor
import Foundation
import NIOCore
import OpenAPIRuntime
import QGA

/// The admin tier besides exec: guest files, passwords, ssh keys and raw agent commands.
extension ControlAPI {
    /// Bytes per guest-file-read/-write: well under the agent's 48 MiB cap and fleetd's reply cap.
    static let fileChunk: Int64 = 1 << 20

    func readFile(_ input: Operations.ReadFile.Input) async throws -> Operations.ReadFile.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("readFile needs a JSON body") }
        let limit = min(body.maxBytes ?? (16 << 20), settings.fileReadLimit)
        let timeout = settings.commandTimeout.timeAmount
        let (bytes, truncated) = try await withAgent(input.path.name) { connection, _ in
            let handle = try await connection.call(GuestFileOpenCommand.self, .init(path: body.path, mode: "r"), timeout: timeout)
            var bytes: [UInt8] = []
            var truncated = false
            do {
                while true {
                    let remaining = limit - Int64(bytes.count)
                    // One byte past the limit tells a file that is exactly `limit` long from a longer one.
                    let chunk = try await connection.call(
                        GuestFileReadCommand.self, .init(handle: handle, count: min(Self.fileChunk, remaining + 1)), timeout: timeout)
                    bytes += try QGABase64.decode(chunk.bufB64)
                    if Int64(bytes.count) > limit {
                        bytes.removeLast(bytes.count - Int(limit))
                        truncated = true
                        break
                    }
                    if chunk.eof || chunk.count == 0 { break }
                }
            } catch {
                _ = try? await connection.call(GuestFileCloseCommand.self, .init(handle: handle), timeout: timeout)
                throw error
            }
            _ = try await connection.call(GuestFileCloseCommand.self, .init(handle: handle), timeout: timeout)
            return (bytes, truncated)
        }
        return .ok(.init(body: .json(.init(
            path: body.path, content: Base64EncodedData(bytes), size: Int64(bytes.count), truncated: truncated))))
    }

    func writeFile(_ input: Operations.WriteFile.Input) async throws -> Operations.WriteFile.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("writeFile needs a JSON body") }
        let timeout = settings.commandTimeout.timeAmount
        let content = Array(body.content.data)
        let written = try await withAgent(input.path.name) { connection, _ in
            let handle = try await connection.call(
                GuestFileOpenCommand.self, .init(path: body.path, mode: body.append == true ? "a" : "w"), timeout: timeout)
            var written: Int64 = 0
            do {
                var offset = 0
                while offset < content.count {
                    let end = min(content.count, offset + Int(Self.fileChunk))
                    let result = try await connection.call(
                        GuestFileWriteCommand.self, .init(handle: handle, bufB64: QGABase64.encode(content[offset..<end])), timeout: timeout)
                    written += result.count
                    offset = end
                }
            } catch {
                _ = try? await connection.call(GuestFileCloseCommand.self, .init(handle: handle), timeout: timeout)
                throw error
            }
            _ = try await connection.call(GuestFileCloseCommand.self, .init(handle: handle), timeout: timeout)
            return written
        }
        return .ok(.init(body: .json(.init(path: body.path, written: written))))
    }

    func setPassword(_ input: Operations.SetPassword.Input) async throws -> Operations.SetPassword.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("setPassword needs a JSON body") }
        let timeout = settings.commandTimeout.timeAmount
        try await withAgent(input.path.name) { connection, _ in
            _ = try await connection.call(
                GuestSetUserPasswordCommand.self,
                .init(username: body.username, password: QGABase64.encode(Array(body.password.utf8)), crypted: body.crypted ?? false),
                timeout: timeout)
        }
        return .ok(.init(body: .json(.init(done: true))))
    }

    func getSSHKeys(_ input: Operations.GetSSHKeys.Input) async throws -> Operations.GetSSHKeys.Output {
        let user = input.query.user
        let timeout = settings.commandTimeout.timeAmount
        let keys = try await withAgent(input.path.name) { connection, _ in
            try await connection.call(GuestSSHGetAuthorizedKeysCommand.self, .init(username: user), timeout: timeout).keys
        }
        return .ok(.init(body: .json(.init(user: user, keys: keys))))
    }

    func changeSSHKeys(_ input: Operations.ChangeSSHKeys.Input) async throws -> Operations.ChangeSSHKeys.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("changeSSHKeys needs a JSON body") }
        let add = body.add ?? [], remove = body.remove ?? []
        // Nothing to add, remove or reset is a change that is already made.
        guard !add.isEmpty || !remove.isEmpty || body.reset == true else { return .ok(.init(body: .json(.init(done: true)))) }
        let timeout = settings.commandTimeout.timeAmount
        try await withAgent(input.path.name) { connection, _ in
            if !add.isEmpty || body.reset == true {
                _ = try await connection.call(
                    GuestSSHAddAuthorizedKeysCommand.self, .init(username: body.username, keys: add, reset: body.reset), timeout: timeout)
            }
            if !remove.isEmpty {
                _ = try await connection.call(
                    GuestSSHRemoveAuthorizedKeysCommand.self, .init(username: body.username, keys: remove), timeout: timeout)
            }
        }
        return .ok(.init(body: .json(.init(done: true))))
    }

    func agentCommand(_ input: Operations.AgentCommand.Input) async throws -> Operations.AgentCommand.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("agentCommand needs a JSON body") }
        let timeout = TimeAmount.milliseconds(ClientNumbers.milliseconds(input.query.timeout ?? 30, within: 0.1...600))
        var arguments: JSONObject?
        if let given = body.arguments {
            guard case .object(let object)? = try JSONBridge.value(given) else {
                throw APIError.badRequest("arguments must be a JSON object")
            }
            arguments = object
        }
        let request = QGARequest(execute: body.execute, arguments: arguments)
        // Commands that never answer on success (guest-shutdown, guest-suspend-*) are known by name.
        let successResponse = QGACommandTable.command(named: body.execute)?.successResponse ?? true
        let reply = try await withAgent(input.path.name) { connection, _ in
            try await connection.send(request, successResponse: successResponse, timeout: timeout)
        }
        guard let reply else { return .ok(.init(body: .json(.init()))) }
        switch reply.outcome {
        case .success(let value):
            return .ok(.init(body: .json(.init(_return: try JSONBridge.container(value)))))
        case .failure(let error):
            return .ok(.init(body: .json(.init(error: .init(_class: error.errorClass.rawValue, desc: error.desc)))))
        }
    }
}
