import ArgumentParser
import FleetClient
import Foundation
import QGA

struct WhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Who fleetd sees you as, and your tier.", discussion: "Example:\n  fleetctl whoami")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOnlyOptions

    func run() async throws {
        let format = output.resolved()
        let caller = try await connection.run { client in try await client.api.whoAmI().ok.body.json }
        if format == .table {
            Output.write("uid \(caller.uid), gid \(caller.gid): \(caller.tier.rawValue)\n")
        } else {
            Output.write(Renderer(format: format, defaultColumns: [], chosen: nil).render(object: try JSONValueCoding.value(caller).objectValue ?? [:]))
        }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The audit log: every call above the read tier, newest first (admin tier).",
        discussion: "Example:\n  fleetctl audit --limit 50")
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "At most this many entries (default 100).") var limit: Int?
    @OptionGroup var output: FormatOptions

    func run() async throws {
        let entries = try await connection.run { client in try await client.api.listAudit(query: .init(limit: limit)).ok.body.json }
        let columns = [Column("id"), Column("at", "WHEN", .time), Column("uid"), Column("action"), Column("vm"), Column("outcome"), Column("detail")]
        Output.write(Renderer(format: output.format, defaultColumns: columns, chosen: output.chosenColumns)
            .render(try JSONValueCoding.rows(entries), projected: output.chosenColumns != nil))
    }
}

struct Metrics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "fleetd's Prometheus metrics, as served at /metrics.", discussion: "Example:\n  fleetctl metrics | grep fleet_vms")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let text = try await connection.run { client -> String in
            let body = try await client.api.getMetrics().ok.body.plainText
            return try await String(collecting: body, upTo: 64 << 20)
        }
        Output.write(text)
    }
}
