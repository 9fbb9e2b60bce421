import ArgumentParser
import FleetAPIModel
import FleetClient
import Foundation
import QGA

enum VMColumns {
    static let summary: [Column] = [
        Column("name"), Column("state", nil, .state), Column("since", nil, .time), Column("agentVersion", "AGENT"),
        Column("os", "OS"), Column("addresses"), Column("lastSeen", "LAST SEEN", .time), Column("rttMicros", "RTT", .micros),
    ]

    /// The summary columns, with Proxmox's where the rows have them: VMID after the name, and
    /// LOCK and BUSY after the state (a plain socket directory's listing stays as it was).
    static func summary(for rows: [JSONObject]) -> [Column] {
        func present(_ key: String) -> Bool {
            rows.contains { row in row[key].map { $0 != .null && $0 != .bool(false) } ?? false }
        }
        var columns = summary
        if present("busy") { columns.insert(Column("busy"), at: 2) }
        if present("lock") { columns.insert(Column("lock"), at: 2) }
        if present("vmid") { columns.insert(Column("vmid", "VMID"), at: 1) }
        return columns
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fleet summary: VMs by state, and the VMs that need attention.",
        discussion: helpText("""
            Lists the VMs that are not responsive (at most --limit); --all lists every VM (as
            'fleetctl list' does). The summary stays quick however large the fleet.

            Examples:
              fleetctl status
              fleetctl status --all --columns name,state,rttMicros --format csv
              fleetctl status --format json | jq '.counts'
            """))

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions
    @Flag(name: .long, help: "List every VM, not only those that need attention.") var all = false
    @Option(name: .long, help: "At most this many attention rows.") var limit = 50

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
    }

    func run() async throws {
        let status = try await connection.run { client in
            try await client.api.getStatus(query: .init(vms: all ? .all : .attention, limit: limit)).ok.body.json
        }
        let rows = try JSONValueCoding.rows(status.vms)
        let renderer = Renderer(format: output.format, defaultColumns: VMColumns.summary(for: rows), chosen: output.chosenColumns)
        switch output.format {
        case .json, .yaml:
            var object = try JSONValueCoding.value(status).objectValue ?? JSONObject()
            if output.chosenColumns != nil { object["vms"] = .array(rows.map { .object(renderer.project($0)) }) }
            Output.write(renderer.render(object: object))
        case .table:
            var text = Self.summaryLine(status) + "\n"
            if !rows.isEmpty {
                text += "\n" + renderer.render(rows, projected: false)
            }
            if status.omitted > 0 {
                text += "… and \(status.omitted) more (fleetctl list --filter state=…)\n"
            }
            Output.write(text)
        case .csv, .ndjson:
            Output.write(renderer.render(rows, projected: output.chosenColumns != nil))
        }
    }

    static func summaryLine(_ status: Components.Schemas.FleetStatus) -> String {
        let c = status.counts
        let parts = [("responsive", c.responsive), ("unresponsive", c.unresponsive), ("frozen", c.frozen), ("syncing", c.syncing),
                     ("connecting", c.connecting), ("disconnected", c.disconnected), ("locked", c.locked), ("disabled", c.disabled),
                     ("booting", c.booting), ("flapping", c.flapping), ("paused", c.paused), ("stopped", c.stopped), ("gone", c.gone)]
            .filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
        let noun = status.total == 1 ? "VM" : "VMs"
        return parts.isEmpty ? "\(status.total) \(noun)" : "\(status.total) \(noun): " + parts.joined(separator: ", ")
    }
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List VMs, filtered, with the columns and order you choose.",
        discussion: helpText("""
            Columns: name, state, since, reason, agentVersion, os, hostName, addresses, lastSeen, rttMicros,
            and for Proxmox VMs vmid, lock and busy (shown by default when any VM has them).

            Examples:
              fleetctl list --filter state=unresponsive,disconnected
              fleetctl list --filter address=10.0.0.0/8 --filter os=debian --sort=-rttMicros
              fleetctl list --columns name,hostName,addresses --format csv
              fleetctl list --filter vmid=101,102
              fleetctl list --filter state=locked
            """))

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup var output: FormatOptions
    @Option(name: .long, help: ArgumentHelp("Sort by a column; a leading '-' sorts descending (--sort=-rttMicros).", valueName: "column"))
    var sort: String?

    func run() async throws {
        let f = try filters.parsed()
        let vms = try await connection.run { client in
            try await client.api.listVMs(query: .init(state: f.state, name: f.name, address: f.address, os: f.os, vmid: f.vmid)).ok.body.json
        }
        var rows = try JSONValueCoding.rows(vms)
        if let sort { rows = RowSort.sorted(rows, by: sort) }
        let renderer = Renderer(format: output.format, defaultColumns: VMColumns.summary(for: rows), chosen: output.chosenColumns)
        Output.write(renderer.render(rows, projected: output.chosenColumns != nil))
    }
}

enum RowSort {
    static func sorted(_ rows: [JSONObject], by spec: String) -> [JSONObject] {
        let descending = spec.hasPrefix("-")
        let key = descending ? String(spec.dropFirst()) : spec
        return rows.sorted { a, b in
            let less = isLess(a[key], b[key])
            let greater = isLess(b[key], a[key])
            return descending ? greater : less
        }
    }

    /// Numbers compare as numbers, everything else as text; missing values sort last.
    static func isLess(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (nil, _), (.null?, _): return false
        case (_, nil), (_, .null?): return true
        default: break
        }
        if let x = a?.int64Value, let y = b?.int64Value { return x < y }
        return CellText.machine(a) < CellText.machine(b)
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A VM's state transitions and inventory changes, oldest first.",
        discussion: helpText("""
            Examples:
              fleetctl history vm1
              fleetctl history vm1 --since 2h
              fleetctl history vm1 --since 2026-11-20T08:00:00Z --format csv
            """))

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The VM.") var vm: String
    @Option(name: .long, help: ArgumentHelp("Only events since this time (RFC 3339, or 90s, 15m, 2h, 7d ago).", valueName: "time"))
    var since: String?
    @Option(name: .long, help: "At most this many events (the newest).") var limit: Int?
    @OptionGroup var output: FormatOptions

    func run() async throws {
        let from = try since.map { try TimeArgument.parse($0) }
        let events = try await connection.run { client in
            try await client.api.getHistory(path: .init(name: vm), query: .init(since: from, limit: limit)).ok.body.json
        }
        let columns = [Column("at", "WHEN", .time), Column("kind"), Column("item"), Column("summary")]
        let renderer = Renderer(format: output.format, defaultColumns: columns, chosen: output.chosenColumns)
        Output.write(renderer.render(try JSONValueCoding.rows(events), projected: output.chosenColumns != nil))
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The inventory report: one row per VM, and interface, address and filesystem tables.",
        discussion: helpText("""
            json and yaml give the whole report (or one --table); csv, ndjson and table give one
            table (default: vms).

            Examples:
              fleetctl export --format csv --output vms.csv
              fleetctl export --format csv --table addresses
              fleetctl export --format json --output inventory.json
            """))

    enum Table: String, CaseIterable, ExpressibleByArgument { case vms, interfaces, addresses, filesystems }

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup(title: "Output (csv unless told otherwise)") var formatOption: FormatOnlyOptions
    @Option(name: .long, help: "Which table (vms, interfaces, addresses, filesystems).") var table: Table?
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file")) var output: String?
    @Option(name: .long, help: ArgumentHelp("Comma-separated columns to keep.", valueName: "col,col")) var columns: String?

    /// How the shared export columns (`ExportColumns`) are titled and shown in a table.
    static let presentation: [String: Column] = [
        "state": Column("state", nil, .state), "since": Column("since", nil, .time), "id": Column("id", "OS ID"),
        "pretty-name": Column("pretty-name", "OS"), "memoryBytes": Column("memoryBytes", "MEMORY", .bytes),
        "lastSeen": Column("lastSeen", nil, .time), "rttMicros": Column("rttMicros", "RTT", .micros),
        "used-bytes": Column("used-bytes", nil, .bytes), "total-bytes": Column("total-bytes", nil, .bytes),
    ]

    static func defaultColumns(_ table: Table) -> [Column] {
        ExportColumns.of(table.rawValue).map { presentation[$0] ?? Column($0) }
    }

    func run() async throws {
        let format = formatOption.resolved(.csv)
        let chosen = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let which = table ?? .vms
        let text: String
        if format == .csv && chosen == nil {
            // fleetd renders the CSV itself: the fast path for a large fleet.
            text = try await connection.run { client in
                let body = try await client.api.exportInventory(
                    query: .init(table: .init(rawValue: which.rawValue)), headers: .init(accept: [.init(contentType: .csv)])
                ).ok.body.csv
                return try await String(collecting: body, upTo: .max)
            }
        } else {
            let whole = table == nil && (format == .json || format == .yaml) && chosen == nil
            let report = try await connection.run { client in
                try await client.api.exportInventory(query: .init(table: whole ? nil : .init(rawValue: which.rawValue))).ok.body.json
            }
            let object = try JSONValueCoding.value(report).objectValue ?? JSONObject()
            if whole {
                text = Renderer(format: format, defaultColumns: [], chosen: nil).render(object: object)
            } else {
                let rows = object[which.rawValue]?.arrayValue?.compactMap(\.objectValue) ?? []
                let renderer = Renderer(format: format, defaultColumns: Self.defaultColumns(which), chosen: chosen, colour: output == nil && Terminal.isColourCapable)
                text = renderer.render(rows, projected: chosen != nil)
            }
        }
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output))
            } catch {
                Output.error("cannot write \(output): \(error.localizedDescription)")
                throw ExitCode(1)
            }
        } else {
            Output.write(text)
        }
    }
}
