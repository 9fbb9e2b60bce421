import Foundation
import NIOCore
import QGA

/// A bare QEMU VM's run state from its QMP monitor: `query-status` at connect, then the events
/// that change it (STOP, RESUME, SHUTDOWN, RESET, SUSPEND, WAKEUP, GUEST_PANICKED). A lost
/// monitor is reported `unknown` and connected again with a growing delay, until its socket is
/// gone (QEMU removes it when it exits).
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
                    await report(.state(try await Self.status(&monitor)))
                    delay = .seconds(1)
                    while true {
                        let event = try await monitor.nextEvent()
                        if let change = try await Self.change(after: event, &monitor) { await report(change) }
                    }
                }
                ending = "the monitor closed the connection"
            } catch {
                ending = "\(error)"
            }
            guard !Task.isCancelled else { return }
            await report(.state(.unknown("\(label): \(ending)")))
            guard FileManager.default.fileExists(atPath: path) else { return }
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
