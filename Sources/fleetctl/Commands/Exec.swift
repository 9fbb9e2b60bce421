import ArgumentParser
import FleetAPIModel
import FleetClient
import Foundation
import OpenAPIRuntime
import QGA

struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command in guests (recorded in fleetd's exec ledger), or read the ledger.",
        discussion: helpText("""
            Examples:
              fleetctl exec vm1 -- uname -a
              fleetctl exec --all -- cat /etc/hostname
              fleetctl exec list --vm vm1
              fleetctl exec show 42
            """),
        subcommands: [ExecRun.self, ExecList.self, ExecShow.self],
        defaultSubcommand: ExecRun.self)
}

struct ExecRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command in a guest and wait for it (`fleetctl exec VM -- CMD ARGS…`).",
        discussion: helpText("""
            Prints the command's stdout and stderr as they were and exits with its exit status
            (128+N when signal N ended it, 124 when it timed out, 125 when fleetd could not run
            it). With --all or --filter it runs on every matching responsive VM at once and prints
            one row per VM instead (exit status 0 only if every one exited 0).

            Examples:
              fleetctl exec vm1 -- uname -a
              fleetctl exec vm1 --input script.sh -- /bin/sh
              fleetctl exec vm1 --detach -- /usr/bin/apt-get -y upgrade
              fleetctl exec --all -- cat /etc/hostname
              fleetctl exec --filter name='web-*' --format csv -- systemctl is-active nginx
            """))

    @OptionGroup var connection: ConnectionOptions
    @Flag(name: .long, help: "Run on every responsive VM.") var all = false
    @OptionGroup var filters: FilterOptions
    @Option(name: .long, help: "Seconds the command may run (default 60).") var timeout: Double = 60
    @Flag(name: .long, help: "Do not wait: print the exec id (see `fleetctl exec show ID`).") var detach = false
    @Option(name: .long, help: ArgumentHelp("Feed this file to the command's stdin ('-' for fleetctl's own stdin).", valueName: "file"))
    var input: String?
    @Option(name: .long, help: ArgumentHelp("Set an environment variable in the guest. Repeatable.", valueName: "NAME=VALUE"))
    var env: [String] = []
    @OptionGroup(title: "Output (the per-VM table with --all/--filter)") var output: FormatOnlyOptions
    @Argument(help: ArgumentHelp("The VM (unless --all or --filter).", valueName: "vm"))
    var vm: String?
    @Argument(parsing: .postTerminator, help: ArgumentHelp("After `--`: the command and its arguments, untouched.", valueName: "command"))
    var command: [String] = []

    static let fleetFailure: Int32 = 125

    func validate() throws {
        let many = all || !filters.filter.isEmpty
        if many, let vm { throw ValidationError("give either a VM ('\(vm)') or --all/--filter, not both") }
        guard !command.isEmpty, many || vm != nil else {
            throw ValidationError(many ? "give the command after --" : "give the VM and the command: fleetctl exec VM -- CMD ARGS…")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    /// The most stdin an exec may carry (ExecRequest.input in docs/openapi.yaml).
    static let inputLimit = 4 << 20

    func run() async throws {
        let stdinBytes = try input.map(Self.readInput)
        if let stdinBytes, stdinBytes.count > Self.inputLimit {
            throw ValidationError("--input is \(stdinBytes.count) bytes; an exec takes at most \(Self.inputLimit) (copy larger input with `fleetctl file put` first)")
        }
        let request = Components.Schemas.ExecRequest(
            path: command[0], args: Array(command.dropFirst()), env: env.isEmpty ? nil : env,
            input: stdinBytes.map { Base64EncodedData(Array($0)) }, timeoutSeconds: timeout)
        if let vm {
            try await runOne(vm: vm, request)
        } else {
            try await runMany(request)
        }
    }

    static func readInput(_ path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read --input file '\(path)'") }
        return data
    }

    func runOne(vm: String, _ request: Components.Schemas.ExecRequest) async throws {
        let (id, outcome) = try await connection.run(failureExit: Self.fleetFailure) { client -> (Int64, Components.Schemas.ExecDetail?) in
            let started = try await client.api.startExec(path: .init(name: vm), body: .json(request)).accepted.body.json
            if detach { return (started.id, nil) }
            return (started.id, try await ExecWait.finished(client, id: started.id, within: timeout))
        }
        guard let detail = outcome else {
            Output.write("\(id)\n")
            return
        }
        if let stdout = detail.stdout { Output.write(bytes: Data(stdout.data)) }
        if let stderr = detail.stderr { Output.write(bytes: Data(stderr.data), to: .standardError) }
        if detail.stdoutTruncated == true || detail.stderrTruncated == true {
            Output.error("output was truncated by the guest agent (it keeps 16 MiB per stream)")
        }
        throw ExitCode(ExecWait.exitStatus(detail))
    }

    func runMany(_ request: Components.Schemas.ExecRequest) async throws {
        let f = try filters.parsed()
        let results = try await connection.run(failureExit: Self.fleetFailure) { client -> [JSONObject] in
            let vms = try await client.api.listVMs(query: .init(state: f.state ?? "responsive", name: f.name, address: f.address, os: f.os, vmid: f.vmid)).ok.body.json
            return try await withThrowingTaskGroup(of: (Int, JSONObject).self) { group in
                for (index, vm) in vms.enumerated() {
                    group.addTask { (index, await ExecWait.row(client, vm: vm.name, request, timeout: timeout, detach: detach)) }
                }
                var rows = [JSONObject?](repeating: nil, count: vms.count)
                for try await (index, row) in group { rows[index] = row }
                return rows.compactMap { $0 }
            }
        }
        let columns = [Column("vm"), Column("state"), Column("exitCode", "EXIT"), Column("stdout"), Column("stderr"), Column("id")]
        Output.write(Renderer(format: output.resolved(), defaultColumns: columns, chosen: nil).render(results, projected: false))
        let failed = results.contains { $0["exitCode"]?.int64Value != 0 && !detach }
        if failed { throw ExitCode(1) }
    }
}

/// Waiting on an exec in the ledger, and what its outcome means for fleetctl's exit status.
enum ExecWait {
    static func finished(_ client: ControlClient, id: Int64, within timeout: Double) async throws -> Components.Schemas.ExecDetail {
        // fleetd holds each request up to 300 s; ask again until the exec has an outcome.
        while true {
            let detail = try await client.api.getExec(path: .init(id: id), query: .init(wait: min(300, timeout + 10))).ok.body.json
            if ![.pending, .sent, .running].contains(detail.state) { return detail }
        }
    }

    static func exitStatus(_ detail: Components.Schemas.ExecDetail) -> Int32 {
        switch detail.state {
        case .exited:
            if let code = detail.exitCode { return Int32(truncatingIfNeeded: code) }
            if let signal = detail.signal { return 128 + Int32(truncatingIfNeeded: signal) }
            return 0
        case .timedOut:
            Output.error("exec \(detail.id) timed out after \(detail.timeoutSeconds) s")
            return 124
        default:
            Output.error("exec \(detail.id) \(detail.state.rawValue): \(detail.error ?? "no outcome")")
            return ExecRun.fleetFailure
        }
    }

    /// One VM's line in a fleet-wide exec.
    static func row(_ client: ControlClient, vm: String, _ request: Components.Schemas.ExecRequest, timeout: Double, detach: Bool) async -> JSONObject {
        var row: JSONObject = ["vm": .string(vm)]
        do {
            let started = try await client.api.startExec(path: .init(name: vm), body: .json(request)).accepted.body.json
            row["id"] = .int(started.id)
            if detach {
                row["state"] = .string(started.state.rawValue)
                return row
            }
            let detail = try await finished(client, id: started.id, within: timeout)
            row["state"] = .string(detail.state.rawValue)
            row["exitCode"] = detail.exitCode.map(JSONValue.int) ?? detail.signal.map { .int(128 + $0) } ?? .null
            row["stdout"] = .string(firstLine(detail.stdout))
            row["stderr"] = .string(firstLine(detail.stderr) + (detail.error.map { $0 } ?? ""))
        } catch let error as ControlClientError {
            row["state"] = .string("error")
            row["stderr"] = .string(error.description)
        } catch {
            row["state"] = .string("error")
            row["stderr"] = .string(String(describing: client.classify(error)))
        }
        return row
    }

    static func firstLine(_ data: Base64EncodedData?) -> String {
        guard let data else { return "" }
        let text = String(decoding: data.data, as: UTF8.self)
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }
}

struct ExecList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The exec ledger, newest first.",
        discussion: helpText("""
            Examples:
              fleetctl exec list
              fleetctl exec list --vm vm1 --limit 20 --format json
            """))

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "Only this VM's execs.") var vm: String?
    @Option(name: .long, help: "At most this many (default 100).") var limit: Int?
    @OptionGroup var output: FormatOptions

    func run() async throws {
        let execs = try await connection.run { client in try await client.api.listExecs(query: .init(vm: vm, limit: limit)).ok.body.json }
        let columns = [Column("id"), Column("vm"), Column("state"), Column("exitCode", "EXIT"), Column("path"), Column("args"),
                       Column("requestedAt", "REQUESTED", .time), Column("finishedAt", "FINISHED", .time)]
        Output.write(Renderer(format: output.format, defaultColumns: columns, chosen: output.chosenColumns)
            .render(try JSONValueCoding.rows(execs), projected: output.chosenColumns != nil))
    }
}

struct ExecShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "One exec from the ledger, with its output.",
        discussion: helpText("""
            Examples:
              fleetctl exec show 42
              fleetctl exec show 42 --wait 30 --format json
            """))

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The exec id.") var id: Int64
    @Option(name: .long, help: "Wait up to this many seconds for it to finish.") var wait: Double?
    @OptionGroup var output: FormatOnlyOptions

    func run() async throws {
        let format = output.resolved()
        let detail = try await connection.run { client in
            try await client.api.getExec(path: .init(id: id), query: .init(wait: wait.map { min(300, $0) })).ok.body.json
        }
        guard format == .table else {
            Output.write(Renderer(format: format, defaultColumns: [], chosen: nil).render(object: try JSONValueCoding.value(detail).objectValue ?? JSONObject()))
            return
        }
        var out = "Exec \(detail.id) on \(detail.vm): \(detail.state.rawValue)\n"
        out += "Command:   \(([detail.path] + detail.args).joined(separator: " "))\n"
        out += "Requested: \(CellText.relative(detail.requestedAt))\(detail.requestedByUid.map { " by uid \($0)" } ?? "")\n"
        if let finished = detail.finishedAt { out += "Finished:  \(CellText.relative(finished))\n" }
        if let code = detail.exitCode { out += "Exit code: \(code)\n" }
        if let signal = detail.signal { out += "Signal:    \(signal)\n" }
        if let error = detail.error { out += "Error:     \(error)\n" }
        for (name, data, truncated) in [("stdout", detail.stdout, detail.stdoutTruncated), ("stderr", detail.stderr, detail.stderrTruncated)] {
            guard let data, !data.data.isEmpty else { continue }
            out += "--- \(name)\(truncated == true ? " (truncated)" : "") ---\n" + String(decoding: data.data, as: UTF8.self)
            if !out.hasSuffix("\n") { out += "\n" }
        }
        Output.write(out)
    }
}
