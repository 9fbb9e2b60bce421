import ArgumentParser
import FleetAPIModel
import FleetClient
import Foundation
import OpenAPIRuntime
import QGA

struct Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send one raw QGA command to a VM's agent and print its reply (admin tier).",
        discussion: helpText("""
            Like `virsh qemu-agent-command`: the reply is printed as the agent sent it ({"return": …}
            or {"error": …}; nothing for a command that does not answer). Exit status 7 on an error reply.

            Examples:
              fleetctl agent vm1 '{"execute":"guest-get-time"}'
              fleetctl agent vm1 '{"execute":"guest-get-fsinfo"}' --timeout 60
            """))
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String
    @Argument(help: "The QGA command, as JSON.") var command: String
    @Option(name: .long, help: "Seconds to wait for the reply (default 30).") var timeout: Double?

    func run() async throws {
        guard let value = JSONValue.parseDocument(Array(command.utf8)), case .object(let object) = value else {
            throw ValidationError("the command must be a JSON object like '{\"execute\":\"guest-ping\"}'")
        }
        guard let execute = object["execute"]?.stringValue else { throw ValidationError("the command has no \"execute\" member") }
        var arguments: Components.Schemas.AgentRequest.ArgumentsPayload?
        if let given = object["arguments"] {
            guard given.objectValue != nil else { throw ValidationError("\"arguments\" must be an object") }
            let container = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(JSONWriter(style: .compact).bytes(given)))
            arguments = .init(additionalProperties: container)
        }
        let body = Components.Schemas.AgentRequest(execute: execute, arguments: arguments)
        let reply = try await connection.run { client in
            try await client.api.agentCommand(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused, timeout: timeout), body: .json(body)).ok.body.json
        }
        let json = try JSONValueCoding.value(reply)
        if json.objectValue?.isEmpty == false { Output.write(JSONWriter(style: .compact).string(json) + "\n") }
        if reply.error != nil { throw ExitCode(7) }
    }
}

struct File: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read or write a file in a guest (admin tier).", subcommands: [FileGet.self, FilePut.self])
}

struct FileGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Print (or save) a guest file.",
        discussion: "Examples:\n  fleetctl file get vm1 /etc/os-release\n  fleetctl file get vm1 /var/log/syslog --output syslog --max-bytes 67108864")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String
    @Argument(help: "The path in the guest.") var path: String
    @Option(name: .shortAndLong, help: "Write to this file instead of stdout.") var output: String?
    @Option(name: .long, help: "Read at most this many bytes (default 16 MiB).") var maxBytes: Int64?

    func run() async throws {
        let content = try await connection.run { client in
            try await client.api.readFile(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused), body: .json(.init(path: path, maxBytes: maxBytes))).ok.body.json
        }
        let data = Data(content.content.data)
        if let output {
            try data.write(to: URL(fileURLWithPath: output))
        } else {
            Output.write(bytes: data)
        }
        if content.truncated { Output.error("\(path) is longer than \(content.size) bytes; only those were read (see --max-bytes)") }
    }
}

struct FilePut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Write a guest file from a local file or stdin.",
        discussion: "Examples:\n  fleetctl file put vm1 /etc/motd --input motd.txt\n  echo hello | fleetctl file put vm1 /tmp/hello --input -")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String
    @Argument(help: "The path in the guest.") var path: String
    @Option(name: .long, help: "The local file ('-' for stdin).") var input: String = "-"
    @Flag(name: .long, help: "Append instead of replacing.") var append = false

    /// fleetd takes a file write in chunks of at most this many bytes (docs/openapi.yaml,
    /// FileWriteRequest): a larger file goes as a first chunk, then appended ones.
    static let chunkBytes = 4 << 20

    func run() async throws {
        let bytes = Array(try ExecRun.readInput(input))
        let (written, guestPath) = try await connection.run { client -> (Int64, String) in
            var written: Int64 = 0
            var offset = 0
            var guestPath = path
            repeat {
                let end = min(bytes.count, offset + Self.chunkBytes)
                let chunk = Base64EncodedData(Array(bytes[offset..<end]))
                let result = try await client.api.writeFile(
                    path: .init(name: vm), query: .init(waitPaused: paused.waitPaused), body: .json(.init(path: path, content: chunk, append: append || offset > 0))
                ).ok.body.json
                written += result.written
                guestPath = result.path
                offset = end
            } while offset < bytes.count
            return (written, guestPath)
        }
        Output.write("\(vm): wrote \(written) bytes to \(guestPath)\n")
    }
}

struct Password: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set a guest user's password (guest-set-user-password; admin tier); the password is read from stdin.",
        discussion: "Examples:\n  fleetctl password vm1 alice < secret.txt\n  openssl passwd -6 | fleetctl password vm1 alice --crypted")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String
    @Argument(help: "The user.") var user: String
    @Flag(name: .long, help: "The input is already crypted (crypt(3) form).") var crypted = false

    func run() async throws {
        let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        guard !password.isEmpty else { throw ValidationError("no password on stdin") }
        _ = try await connection.run { client in
            try await client.api.setPassword(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused), body: .json(.init(username: user, password: password, crypted: crypted))).ok.body.json
        }
        Output.write("\(vm): password of \(user) set\n")
    }
}

struct SSHKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh-keys", abstract: "List, add or remove a guest user's authorized ssh keys (admin tier).",
        discussion: helpText("""
            Examples:
              fleetctl ssh-keys vm1 alice
              fleetctl ssh-keys vm1 alice --add "$(cat ~/.ssh/id_ed25519.pub)"
              fleetctl ssh-keys vm1 alice --remove "ssh-ed25519 AAAA… old@laptop"
            """))
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String
    @Argument(help: "The user.") var user: String
    @Option(name: .long, help: "Add this key. Repeatable.") var add: [String] = []
    @Option(name: .long, help: "Remove this key. Repeatable.") var remove: [String] = []
    @Flag(name: .long, help: "With --add: replace all of the user's keys.") var reset = false

    func run() async throws {
        if add.isEmpty && remove.isEmpty && !reset {
            let keys = try await connection.run { client in
                try await client.api.getSSHKeys(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused, user: user)).ok.body.json
            }
            Output.write(keys.keys.map { $0 + "\n" }.joined())
            return
        }
        let change = Components.Schemas.SSHKeysChange(
            username: user, add: add.isEmpty ? nil : add, remove: remove.isEmpty ? nil : remove, reset: reset ? true : nil)
        _ = try await connection.run { client in try await client.api.changeSSHKeys(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused), body: .json(change)).ok.body.json }
        Output.write("\(vm): keys of \(user) changed\n")
    }
}
