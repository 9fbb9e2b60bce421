import FleetTestSupport
import Foundation
import NIOConcurrencyHelpers
import QGA

/// A scripted guest for the actions no agent on this machine may receive (freeze, fstrim,
/// set-time, shutdown): it answers like an agent would and records what it was asked.
final class ScriptedGuest: Sendable {
    private let state = NIOLockedValueBox<(requests: [JSONValue], frozen: Bool)>(([], false))
    static let commands = [
        "guest-sync-delimited", "guest-info", "guest-ping", "guest-fsfreeze-status", "guest-fsfreeze-freeze",
        "guest-fsfreeze-freeze-list", "guest-fsfreeze-thaw", "guest-fstrim", "guest-set-time", "guest-shutdown",
        "guest-set-user-password", "guest-ssh-get-authorized-keys", "guest-ssh-add-authorized-keys",
        "guest-ssh-remove-authorized-keys",
    ]

    var requests: [JSONValue] { state.withLockedValue { $0.requests } }

    func requests(_ name: String) -> [JSONValue] { requests.filter { $0["execute"]?.stringValue == name } }

    func respond(_ request: JSONValue, _ fd: Int32) {
        if ScriptedAgent.answerSync(request, fd) { return }
        let name = request["execute"]?.stringValue ?? ""
        let id = request["id"] ?? .null
        state.withLockedValue { $0.requests.append(request) }
        func reply(_ value: JSONValue) { ScriptedAgent.reply(fd, ["return": value, "id": id]) }
        switch name {
        case "guest-info":
            reply(["version": "scripted-1", "supported_commands": .array(Self.commands.map {
                ["name": .string($0), "enabled": true, "success-response": .bool($0 != "guest-shutdown")]
            })])
        case "guest-ping", "guest-set-time", "guest-set-user-password", "guest-ssh-add-authorized-keys", "guest-ssh-remove-authorized-keys":
            reply(.object(JSONObject()))
        case "guest-ssh-get-authorized-keys": reply(["keys": ["ssh-ed25519 AAAAC3Nza first@host"]])
        case "guest-fsfreeze-status": reply(state.withLockedValue { $0.frozen } ? "frozen" : "thawed")
        case "guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list":
            state.withLockedValue { $0.frozen = true }
            reply(.int(Int64(request["arguments"]?["mountpoints"]?.arrayValue?.count ?? 2)))
        case "guest-fsfreeze-thaw":
            state.withLockedValue { $0.frozen = false }
            reply(2)
        case "guest-fstrim":
            reply(["paths": [["path": "/", "trimmed": 4096, "minimum": .int(request["arguments"]?["minimum"]?.int64Value ?? 0)], ["path": "/boot", "error": "Operation not supported"]]])
        case "guest-shutdown":
            return  // no reply on success, as the real agents do
        default:
            ScriptedAgent.reply(fd, ["error": ["class": "CommandNotFound", "desc": .string("The command \(name) has not been found")], "id": id])
        }
    }
}
