import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import QGA

/// fleet-sim: serves N simulated QGA agents, one unix socket each (NAME.sock), from one process,
/// in a directory fleetd watches — healthy ones with realistic, slowly changing inventory, and
/// broken or hostile ones, each VM with its own behaviour.
@main
struct FleetSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-sim",
        abstract: "Serve many simulated QGA agents (healthy and hostile) on unix sockets, for fleetd to supervise.",
        discussion: """
            Behaviours: \(Behaviour.names.joined(separator: ", ")); with parameters slow:MIN-MAX (ms), \
            silent-after:N (requests), flapping:S (seconds), giant:MiB.

            Healthy VMs are named vm-00001…; the others BEHAVIOUR-0001…. Prints "ready N" once every \
            socket listens; SIGTERM or SIGINT stops it and removes the sockets. SIGUSR1 makes the \
            --pausable VM stop answering, SIGUSR2 makes it answer again.

            Examples:
              fleet-sim --dir /run/fleet/vms --count 10000
              fleet-sim --dir /tmp/vms --count 100 --behaviour hung=10 --behaviour giant:100=2 --behaviour slow:50-500=10
              fleet-sim --dir /tmp/vms --scenario scenario.json
            """)

    @Option(name: .long, help: "The socket directory (created if missing).") var dir: String
    @Option(name: .long, help: "Healthy VMs to serve.") var count = 10
    @Option(name: .long, help: ArgumentHelp(
        "Number healthy VMs from here (vm-(N+1)…): several fleet-sims can share a directory when one process may not open enough descriptors.",
        valueName: "N"))
    var first = 0
    @Option(name: .long, help: ArgumentHelp("Also serve COUNT VMs with this behaviour. Repeatable.", valueName: "behaviour=count"))
    var behaviour: [String] = []
    @Option(name: .long, help: ArgumentHelp(#"A JSON file: {"vms": [{"name": "db-1", "behaviour": "slow:10-100"}, …]}."#, valueName: "file"))
    var scenario: String?
    @Option(name: .long, help: "Seconds between inventory changes of a VM (addresses, logins, clock drift).") var churnSeconds: Double = 600
    @Option(name: .long, help: "The VM SIGUSR1 pauses and SIGUSR2 resumes (default: the first).") var pausable: String?

    struct Scenario: Decodable {
        struct VM: Decodable { var name: String; var behaviour: String }
        var vms: [VM]
    }

    func plan() throws -> [(name: String, behaviour: Behaviour)] {
        var vms: [(String, Behaviour)] = (first..<(first + count)).map { (String(format: "vm-%05d", $0 + 1), .healthy) }
        for item in behaviour {
            guard let equals = item.lastIndex(of: "="), let n = Int(item[item.index(after: equals)...]),
                  let kind = Behaviour(String(item[..<equals]))
            else { throw ValidationError("--behaviour wants BEHAVIOUR=COUNT (e.g. hung=10, slow:50-500=5), got '\(item)'") }
            vms += (0..<n).map { (String(format: "%@-%04d", kind.name, $0 + 1), kind) }
        }
        if let scenario {
            let data = try Data(contentsOf: URL(fileURLWithPath: scenario))
            for vm in try JSONDecoder().decode(Scenario.self, from: data).vms {
                guard let kind = Behaviour(vm.behaviour) else { throw ValidationError("unknown behaviour '\(vm.behaviour)' for \(vm.name)") }
                vms.append((vm.name, kind))
            }
        }
        guard Set(vms.map(\.0)).count == vms.count else { throw ValidationError("VM names must be unique") }
        return vms
    }

    func run() async throws {
        let vms = try plan()
        Limits.raiseOpenFiles(to: vms.count * 2 + 256)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let group = MultiThreadedEventLoopGroup.singleton
        var servers: [any Channel] = []
        let pausableName = pausable ?? vms.first?.name
        for (index, vm) in vms.enumerated() {
            let guest = SimulatedGuest(name: vm.name, index: first + index, behaviour: vm.behaviour, churnSeconds: churnSeconds)
            if vm.name == pausableName {
                Signals.onSignal(SIGUSR1) { guest.setPaused(true) }
                Signals.onSignal(SIGUSR2) { guest.setPaused(false) }
            }
            let server = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(GuestChannelHandler(guest: guest))
                    }
                }
                .bind(unixDomainSocketPath: "\(dir)/\(vm.name).sock", cleanupExistingSocketFile: true)
                .get()
            servers.append(server)
        }
        // One line on an unbuffered write: whoever started fleet-sim waits for it.
        FileHandle.standardOutput.write(Data("ready \(vms.count)\n".utf8))
        await Signals.waitForTermination()
        for server in servers { try? await server.close() }
        for vm in vms { unlink("\(dir)/\(vm.name).sock") }
    }
}

enum Limits {
    /// Each VM holds a listening socket and a connection; the default 1024 (or 20,000) is not
    /// enough for a large fleet. Root may raise the hard limit too.
    static func raiseOpenFiles(to wanted: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let target = rlim_t(wanted)
        if limit.rlim_max < target {
            var raised = limit
            raised.rlim_max = target
            raised.rlim_cur = target
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return }
        }
        limit.rlim_cur = min(limit.rlim_max, max(limit.rlim_cur, target))
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

enum Signals {
    static func onSignal(_ number: Int32, _ action: @escaping @Sendable () -> Void) {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
        OnceBox.keep(source)
    }

    static func waitForTermination() async {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceBox(continuation)
            for number in [SIGTERM, SIGINT] {
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { once.resume() }
                source.resume()
                OnceBox.keep(source)
            }
        }
    }
}

/// Resumes a continuation once, whichever signal comes first.
final class OnceBox: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }

    func resume() {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume()
    }

    static func keep(_ source: any DispatchSourceSignal) { sources.append(source) }
}
