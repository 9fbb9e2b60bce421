import ArgumentParser
import FleetClient
import Foundation

/// --socket, shared by every command.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("fleetd's control socket (default: $FLEET_SOCKET, else /run/fleet/fleetd.sock).", valueName: "path"))
    var socket: String?

    /// Connects, runs `body`, and turns a failure into a message on stderr and an exit status.
    func run<T: Sendable>(failureExit: Int32? = nil, _ body: (ControlClient) async throws -> T) async throws -> T {
        let path = ControlClient.socketPath(flag: socket)
        do {
            let client = try ControlClient(socketPath: path)
            do {
                let result = try await client.call { _ in try await body(client) }
                await client.shutdown()
                return result
            } catch {
                await client.shutdown()
                throw error
            }
        } catch let error as ControlClientError {
            Output.error(error.description)
            throw ExitCode(failureExit ?? error.exitCode)
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationErrorText {
            Output.error(error.description)
            throw ExitCode(failureExit ?? 1)
        }
    }
}

enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func write(bytes: Data, to handle: FileHandle = .standardOutput) {
        handle.write(bytes)
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data("fleetctl: \(text)\n".utf8))
    }
}

/// For actions on a VM: whether to wait for a paused VM to run again instead of failing at once.
struct PausedOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "If the VM is paused, wait up to this many seconds for it to run again (0–600) instead of failing at once.", valueName: "seconds"))
    var waitPaused: Int64?
}

/// Filters given as `--filter key=value` (state, name, address, os, vmid).
struct FilterOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Keep VMs matching KEY=VALUE: state=responsive[,frozen], name=GLOB, address=IP|CIDR, os=TEXT, vmid=101[,102]. Repeatable.",
        valueName: "key=value"))
    var filter: [String] = []

    struct Parsed { var state, name, address, os, vmid: String? }

    func parsed() throws -> Parsed {
        var result = Parsed()
        for item in filter {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--filter wants KEY=VALUE, got '\(item)'") }
            switch parts[0].lowercased() {
            case "state": result.state = [result.state, parts[1]].compactMap { $0 }.joined(separator: ",")
            case "name": result.name = parts[1]
            case "address", "ip", "cidr": result.address = parts[1]
            case "os": result.os = parts[1]
            case "vmid": result.vmid = [result.vmid, parts[1]].compactMap { $0 }.joined(separator: ",")
            default: throw ValidationError("unknown filter '\(parts[0])'; use state, name, address, os or vmid")
            }
        }
        return result
    }
}

/// Times on the command line: RFC 3339, or a duration back from now (`90s`, `15m`, `2h`, `7d`).
enum TimeArgument {
    static func parse(_ text: String, now: Date = Date()) throws -> Date {
        if let date = RFC3339.date(text) { return date }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800]
        if let unit = text.last, let scale = units[unit], let amount = Double(text.dropLast()) {
            return now.addingTimeInterval(-amount * scale)
        }
        throw ValidationError("'\(text)' is neither an RFC 3339 time nor a duration like 15m, 2h or 7d")
    }
}
