import ArgumentParser
import FleetAPIModel
import FleetClient
import Foundation
import QGA

struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "guest-ping a VM now (operate tier).", discussion: "Example:\n  fleetctl ping vm1")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String

    func run() async throws {
        let result = try await connection.run { client in try await client.api.pingVM(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused)).ok.body.json }
        Output.write("\(vm): agent answered in \(CellText.human(.int(result.rttMicros), .micros))\n")
    }
}

struct Freeze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Freeze a VM's filesystems (guest-fsfreeze-freeze; operate tier).",
        discussion: helpText("""
            fleetd thaws a freeze of its own when its deadline passes (--thaw-after, by default
            fleetd's freeze.thawAfterSeconds), unless it is extended; never a Proxmox VM's.
            Examples:
              fleetctl freeze vm1
              fleetctl freeze vm1 --thaw-after 300
              fleetctl freeze vm1 --mountpoint /data --mountpoint /var/lib/db
              fleetctl freeze vm1 --extend 600
              fleetctl freeze --status vm1
            """))
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String
    @Option(name: .long, help: "Freeze only this mountpoint (guest-fsfreeze-freeze-list). Repeatable.") var mountpoint: [String] = []
    @Option(name: .long, help: "Seconds after which fleetd thaws the VM unless extended (1–86400).") var thawAfter: Int64?
    @Option(name: .long, help: "Move the deadline of fleetd's freeze to this many seconds from now.") var extend: Int64?
    @Flag(name: .long, help: "Only show whether the VM's filesystems are frozen.") var status = false

    func run() async throws {
        if status {
            let result = try await connection.run { client in try await client.api.getFreezeStatus(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused)).ok.body.json }
            Output.write("\(vm): \(result.status.rawValue)\n")
            return
        }
        if let extend {
            let body = Components.Schemas.FreezeExtension(seconds: extend)
            let result = try await connection.run { client in try await client.api.extendFreeze(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused), body: .json(body)).ok.body.json }
            Output.write("\(vm): fleetd thaws it at \(Self.time(result.thawBy)) unless extended again\n")
            return
        }
        let body = Components.Schemas.FreezeRequest(mountpoints: mountpoint.isEmpty ? nil : mountpoint, thawAfterSeconds: thawAfter)
        let result = try await connection.run { client in try await client.api.freezeVM(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused), body: .json(body)).ok.body.json }
        var said = "\(vm): froze \(result.count) filesystem\(result.count == 1 ? "" : "s")"
        if let thawBy = result.thawBy { said += "; fleetd thaws it at \(Self.time(thawBy)) unless extended (--extend SECONDS)" }
        Output.write(said + "\n")
    }

    static func time(_ date: Date) -> String {
        "\(RFC3339DateTranscoder.string(date)) (\(CellText.relative(date)))"
    }
}

struct Thaw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Thaw a VM's filesystems (guest-fsfreeze-thaw; operate tier).", discussion: "Example:\n  fleetctl thaw vm1")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String

    func run() async throws {
        let result = try await connection.run { client in try await client.api.thawVM(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused)).ok.body.json }
        Output.write("\(vm): thawed \(result.count) filesystem\(result.count == 1 ? "" : "s")\n")
    }
}

struct Fstrim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Discard unused blocks in a VM (guest-fstrim; operate tier).",
        discussion: "Examples:\n  fleetctl fstrim vm1\n  fleetctl fstrim vm1 --minimum 1048576 --format json")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String
    @Option(name: .long, help: "Skip free ranges smaller than this many bytes.") var minimum: Int64?
    @OptionGroup var output: FormatOptions

    func run() async throws {
        let result = try await connection.run { client in
            try await client.api.fstrimVM(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused), body: .json(.init(minimum: minimum))).ok.body.json
        }
        let columns = [Column("path"), Column("trimmed", nil, .bytes), Column("minimum", nil, .bytes), Column("error")]
        Output.write(Renderer(format: output.format, defaultColumns: columns, chosen: output.chosenColumns)
            .render(try JSONValueCoding.rows(result.paths), projected: output.chosenColumns != nil))
    }
}

struct SetTime: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-time",
        abstract: "Set a VM's clock (guest-set-time; operate tier): to the host's clock unless told otherwise.",
        discussion: helpText("""
            Examples:
              fleetctl set-time vm1
              fleetctl set-time vm1 --time 2026-11-22T08:00:00Z
              fleetctl set-time vm1 --from-hardware-clock
            """))
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String
    @Option(name: .long, help: "Set this time (RFC 3339) instead of the host's.") var time: String?
    @Flag(name: .long, help: "Set the system time from the guest's own hardware clock.") var fromHardwareClock = false

    func run() async throws {
        var nanoseconds: Int64?
        if let time {
            guard let date = RFC3339.date(time) else { throw ValidationError("'\(time)' is not an RFC 3339 time") }
            nanoseconds = Int64((date.timeIntervalSince1970 * 1e9).rounded())
        }
        let body = Components.Schemas.SetTimeRequest(time: nanoseconds, fromHardwareClock: fromHardwareClock ? true : nil)
        let result = try await connection.run { client in try await client.api.setTime(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused), body: .json(body)).ok.body.json }
        if let sent = result.time {
            Output.write("\(vm): clock set to \(RFC3339.string(Date(timeIntervalSince1970: Double(sent) / 1e9)))\n")
        } else {
            Output.write("\(vm): clock set from its hardware clock\n")
        }
    }
}

struct Shutdown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Shut a VM down from inside (guest-shutdown; operate tier).",
        discussion: "Examples:\n  fleetctl shutdown vm1\n  fleetctl shutdown vm1 --mode halt")
    enum Mode: String, ExpressibleByArgument, CaseIterable { case powerdown, halt }
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String
    @Option(name: .long, help: "powerdown (default) or halt.") var mode: Mode = .powerdown

    func run() async throws {
        try await PowerAction.send(connection, paused, vm: vm, mode: mode.rawValue)
    }
}

struct Reboot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reboot a VM from inside (guest-shutdown mode=reboot; operate tier).", discussion: "Example:\n  fleetctl reboot vm1")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var paused: PausedOptions
    @Argument(help: "The VM.") var vm: String

    func run() async throws {
        try await PowerAction.send(connection, paused, vm: vm, mode: "reboot")
    }
}

enum PowerAction {
    static func send(_ connection: ConnectionOptions, _ paused: PausedOptions, vm: String, mode: String) async throws {
        let body = Components.Schemas.ShutdownRequest(mode: .init(rawValue: mode))
        let result = try await connection.run { client in try await client.api.shutdownVM(path: .init(name: vm), query: .init(waitPaused: paused.waitPaused), body: .json(body)).accepted.body.json }
        Output.write("\(vm): \(result.mode.rawValue) requested\n")
    }
}
