import Foundation
import NIOCore
import QGA

/// A bare QEMU VM's run state from its QMP monitor: `query-status` at connect, then the events
/// that change it (STOP, RESUME, SHUTDOWN, RESET, SUSPEND, WAKEUP, GUEST_PANICKED). A lost
/// monitor is reported `unknown` and connected again with a growing delay. When its socket is
/// gone, QEMU has exited (it removes the socket then): the feed ends without a word, as the VM's
/// agent socket going says the rest.
public struct QMPRunStateFeed: RunStateFeed {
    public let path: String
    let group: any EventLoopGroup
    /// How long QEMU may take to greet or answer a command.
    let timeout: Duration
    let retryMax: Duration

    public init(path: String, group: any EventLoopGroup, timeout: Duration = .seconds(5), retryMax: Duration = .seconds(30)) {
        self.path = path
        self.group = group
        self.timeout = timeout
        self.retryMax = retryMax
    }

    public var label: String { "QMP \(path)" }

    public func follow(_ report: @escaping @Sendable (RunStateReport) async -> Void) async {
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            let ending: String
            do {
                try await QMPMonitor.withConnection(path: path, group: group, timeout: timeout.timeAmount) { monitor in
                    var last = try await Self.status(&monitor)
                    await report(.state(last))
                    delay = .seconds(1)
                    while true {
                        let event = try await monitor.nextEvent()
                        guard let change = try await Self.change(after: event, &monitor) else { continue }
                        if case .state(let state) = change {
                            // A shutdown QEMU survives (-no-shutdown) is a SHUTDOWN with its
                            // reason, then a STOP whose status says only "shutdown": keep the first.
                            if case .stopped = last, case .stopped = state { continue }
                            last = state
                        }
                        await report(change)
                    }
                }
                ending = "the monitor closed the connection"
            } catch {
                ending = "\(error)"
            }
            guard !Task.isCancelled, FileManager.default.fileExists(atPath: path) else { return }
            await report(.state(.unknown("\(label): \(ending)")))
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, retryMax)
        }
    }

    /// The run state now, by `query-status`.
    static func status(_ monitor: inout QMPMonitor) async throws -> RunState {
        let answer = try await monitor.execute("query-status")
        guard let status = answer["status"]?.stringValue else { throw QMPError(description: "query-status: no status") }
        return .fromQMPStatus(status)
    }

    /// What an event changes, if anything. A STOP does not say why: `query-status` does.
    static func change(after event: JSONObject, _ monitor: inout QMPMonitor) async throws -> RunStateReport? {
        let data = event["data"]
        switch event["event"]?.stringValue {
        case "STOP": return .state(try await status(&monitor))
        case "RESUME", "WAKEUP": return .state(.running)
        case "SUSPEND": return .state(.paused("suspended to RAM by its guest"))
        case "RESET": return .reset
        case "SHUTDOWN":
            let reason = data?["reason"]?.stringValue.map { " (\($0))" } ?? ""
            return .state(.stopped("shut down\(reason)"))
        case "GUEST_PANICKED":
            switch data?["action"]?.stringValue {
            case "pause": return .state(.paused("its guest panicked"))
            case "poweroff": return .state(.stopped("crashed: its guest panicked"))
            default: return nil  // "run": it goes on
            }
        default: return nil
        }
    }
}
