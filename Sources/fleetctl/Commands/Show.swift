import ArgumentParser
import FleetAPIModel
import FleetClient
import Foundation
import QGA

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Everything known about one VM.",
        discussion: helpText("""
            The agent and its enabled commands, OS, interfaces and addresses, filesystems with
            usage, vCPUs, memory, users, clock drift, recent transitions and execs. json and yaml
            keep QGA's member names for guest facts (interfaces, filesystems, os, vcpus, users).

            Examples:
              fleetctl show vm1
              fleetctl show vm1 --format json | jq '.interfaces[].["ip-addresses"]'
            """))

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The VM.") var vm: String
    @OptionGroup var output: FormatOnlyOptions

    func run() async throws {
        let format = output.resolved()
        if format == .csv { throw ValidationError("show has no csv form; use `fleetctl export --format csv`") }
        let detail = try await connection.run { client in try await client.api.getVM(path: .init(name: vm)).ok.body.json }
        if format == .table {
            Output.write(DetailView.text(detail, colour: Terminal.isColourCapable))
        } else {
            Output.write(Renderer(format: format, defaultColumns: [], chosen: nil).render(object: try JSONValueCoding.value(detail).objectValue ?? JSONObject()))
        }
    }
}

/// The human form of `show`: a block of facts, then tables.
enum DetailView {
    static func text(_ d: Components.Schemas.VMDetail, colour: Bool) -> String {
        var lines: [(String, String)] = []
        let state = colour ? TableOutput.paint(d.state.rawValue) : d.state.rawValue
        lines.append(("Name", d.name))
        if let vmid = d.vmid { lines.append(("VMID", String(vmid))) }
        lines.append(("State", "\(state)\(d.busy == true ? " (busy)" : "") since \(CellText.relative(d.since)) — \(d.reason)"))
        if let lock = d.lock { lines.append(("Lock", "\(lock) (Proxmox): fleetd sends the VM nothing until it goes")) }
        if let version = d.agentVersion {
            lines.append(("Agent", "\(version), \(d.enabledCommands.count) commands enabled"))
        }
        if let os = d.os {
            let name = os.prettyName ?? [os.name, os.version].compactMap { $0 }.joined(separator: " ")
            lines.append(("OS", [name, os.kernelRelease.map { "kernel \($0)" }, os.machine].compactMap { $0 }.joined(separator: ", ")))
        }
        if let host = d.hostName { lines.append(("Host name", host)) }
        if let tz = d.timezone { lines.append(("Timezone", "\(tz.zone ?? "UTC") (\(tz.offset >= 0 ? "+" : "")\(tz.offset) s)")) }
        let hb = d.heartbeat
        var heartbeat = "\(hb.ok) ok, \(hb.missed) missed"
        if let last = hb.lastSeen { heartbeat = "last seen \(CellText.relative(last)), " + heartbeat }
        if let rtt = hb.rttLastMicros {
            heartbeat += "; rtt \(CellText.human(.int(rtt), .micros))"
            if let min = hb.rttMinMicros, let avg = hb.rttAvgMicros, let max = hb.rttMaxMicros {
                heartbeat += " (min \(CellText.human(.int(min), .micros)), avg \(CellText.human(.int(avg), .micros)), max \(CellText.human(.int(max), .micros)))"
            }
        }
        lines.append(("Heartbeat", heartbeat))
        if let drift = d.clockDriftMs { lines.append(("Clock drift", "\(drift) ms")) }
        if !d.vcpus.isEmpty { lines.append(("vCPUs", "\(d.vcpus.filter(\.online).count) online of \(d.vcpus.count)")) }
        if let memory = d.memory, let online = memory.onlineBytes {
            lines.append(("Memory", "\(ByteCount.human(online)) online (\(memory.blocksOnline ?? 0) blocks of \(ByteCount.human(memory.blockSize)))"))
        }
        if !d.users.isEmpty {
            lines.append(("Users", d.users.map { "\($0.user) (since \(CellText.relative(Date(timeIntervalSince1970: $0.loginTime))))" }.joined(separator: ", ")))
        }
        lines.append(("First seen", CellText.relative(d.firstSeen)))
        lines.append(("Socket", d.socketPath))
        let width = lines.map(\.0.count).max() ?? 0
        var out = lines.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }.joined(separator: "\n") + "\n"

        func section(_ title: String, _ columns: [Column], _ rows: [JSONObject]) {
            guard !rows.isEmpty else { return }
            out += "\n\(title):\n"
            out += TableOutput.string(columns: columns, rows: rows, colour: colour).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        section("Interfaces", [Column("name"), Column("hardware-address"), Column("addresses")], d.interfaces.map { i in
            ["name": .string(i.name), "hardware-address": i.hardwareAddress.map(JSONValue.string) ?? .null,
             "addresses": .array((i.ipAddresses ?? []).map { .string("\($0.ipAddress)/\($0.prefix)") })]
        })
        section("Filesystems", [Column("mountpoint"), Column("name", "DEVICE"), Column("type"), Column("used", nil, .bytes), Column("total", nil, .bytes), Column("use")], d.filesystems.map { f in
            var use = JSONValue.null
            if let used = f.usedBytes, let total = f.totalBytes, total > 0 { use = .string(String(format: "%.0f%%", Double(used) * 100 / Double(total))) }
            return ["mountpoint": .string(f.mountpoint), "name": .string(f.name), "type": .string(f._type),
                    "used": f.usedBytes.map(JSONValue.int) ?? .null, "total": f.totalBytes.map(JSONValue.int) ?? .null, "use": use]
        })
        section("Recent transitions", [Column("at", "WHEN", .time), Column("from"), Column("to", nil, .state), Column("reason")], d.transitions.map { t in
            ["at": .string(RFC3339.string(t.at)), "from": t.from.map { .string($0.rawValue) } ?? .null, "to": .string(t.to.rawValue), "reason": .string(t.reason)]
        })
        section("Recent execs", [Column("id"), Column("state"), Column("exitCode", "EXIT"), Column("command"), Column("requestedAt", "WHEN", .time)], d.execs.map { e in
            ["id": .int(e.id), "state": .string(e.state.rawValue), "exitCode": e.exitCode.map(JSONValue.int) ?? .null,
             "command": .string(([e.path] + e.args).joined(separator: " ")), "requestedAt": .string(RFC3339.string(e.requestedAt))]
        })
        section("Unsupported commands", [Column("command"), Column("reason")], d.unsupportedCommands.map { ["command": .string($0.command), "reason": .string($0.reason)] })
        section("Refused replies", [Column("command"), Column("reason"), Column("count"), Column("lastAt", "LAST", .time)], d.rejections.map {
            ["command": .string($0.command), "reason": .string($0.reason), "count": .int($0.count), "lastAt": .string(RFC3339.string($0.lastAt))]
        })
        if !d.enabledCommands.isEmpty {
            out += "\nEnabled commands:\n  " + d.enabledCommands.joined(separator: " ") + "\n"
        }
        return out
    }
}

extension RFC3339 {
    static func string(_ date: Date) -> String {
        RFC3339DateTranscoder.string(date)
    }
}
