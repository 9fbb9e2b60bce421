import ArgumentParser
import QGA

@main
struct Fleetctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleetctl",
        abstract: "Talk to fleetd: fleet status, VM detail and history, execs, actions and inventory exports.",
        discussion: helpText("""
            fleetctl talks to fleetd's control socket: --socket, else $FLEET_SOCKET, else /run/fleet/fleetd.sock.
            What you may do depends on who you are (fleetd reads your uid and groups from the socket):
            read (listings, detail, history, exports), operate (ping, freeze, thaw, fstrim, set-time,
            shutdown, reboot) or admin (exec, files, passwords, ssh keys, raw agent commands).

            Exit status: 0 success; 1 an unexpected error; 2 a bad request or usage; 3 fleetd not
            running or not answering; 4 permission denied; 5 no such VM or exec; 6 the VM cannot be
            reached now; 7 the guest agent answered with an error; 8 the agent did not answer in
            time. `exec` exits with the guest command's own status instead (128+N for signal N,
            124 when it timed out, 125 when fleetd could not run it).

            Examples:
              fleetctl status
              fleetctl list --filter state=responsive --filter name='web-*' --columns name,addresses
              fleetctl show vm1 --format json
              fleetctl exec vm1 -- uname -a
              fleetctl export --format csv --output inventory.csv
            """),
        version: "fleetctl \(FleetVersion.current)",
        subcommands: [
            Status.self, List.self, Show.self, History.self, Export.self,
            Exec.self,
            Ping.self, Freeze.self, Thaw.self, Fstrim.self, SetTime.self, Shutdown.self, Reboot.self,
            Agent.self, File.self, Password.self, SSHKeys.self,
            WhoAmI.self, Audit.self, Metrics.self,
        ])

    /// Global options go anywhere, as kubectl, virsh and incus take them: `fleetctl --socket S
    /// status` as well as `fleetctl status --socket S`.
    static func main() async {
        await main(GlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst())))
    }
}
