import FleetTestSupport
import Foundation
import NIOPosix
import Synchronization
import Testing
@testable import FleetSupervisor

/// The QMP run-state feed against a real QEMU (no guest: `-machine none`), driven through a
/// second monitor of its own as an operator would.
@Suite("QMP run state", .enabled(if: QEMUMonitorProcess.installed))
struct QMPRunStateFeedTests {
    /// What a feed reported, in order.
    final class Reports: Sendable {
        private let list = Mutex<[RunStateReport]>([])
        var all: [RunStateReport] { list.withLock { $0 } }
        func add(_ report: RunStateReport) { list.withLock { $0.append(report) } }

        /// Waits until a report matching `wanted` has come, at most 10 s.
        func waitFor(_ wanted: (RunStateReport) -> Bool) async throws -> RunStateReport? {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if let found = all.last(where: wanted) { return found }
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
    }

    static func isUnknown(_ report: RunStateReport) -> Bool {
        if case .state(.unknown) = report { return true }
        return false
    }

    @Test("running at connect; stop is paused with its reason, cont runs, a reset is a reset; QEMU quits: the feed ends, saying nothing")
    func followsRealQEMU() async throws {
        let directory = try makeTemporaryDirectory("fleet-qmp")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let qemu = try QEMUMonitorProcess(monitorPath: directory + "/vm.qmp", controlPath: directory + "/control.qmp")
        defer { qemu.stop() }
        let reports = Reports()
        let feed = QMPRunStateFeed(path: qemu.monitorPath, group: MultiThreadedEventLoopGroup.singleton)
        let ended = Atomic(false)
        let following = Task {
            await feed.follow { reports.add($0) }
            ended.store(true, ordering: .relaxed)
        }
        defer { following.cancel() }

        #expect(try await reports.waitFor { $0 == .state(.running) } != nil)
        try qemu.execute("stop")
        #expect(try await reports.waitFor { $0 == .state(.paused("paused by its operator")) } != nil, "\(reports.all)")
        try qemu.execute("cont")
        #expect(try await reports.waitFor { _ in reports.all.count == 3 } == .state(.running), "\(reports.all)")
        try qemu.execute("system_reset")
        #expect(try await reports.waitFor { $0 == .reset } != nil, "\(reports.all)")
        #expect(reports.all == [.state(.running), .state(.paused("paused by its operator")), .state(.running), .reset])

        qemu.stop()
        // A quit is a shutdown QMP reports; QEMU removed its socket as it quit: the feed ends by
        // itself, not cancelled, and does not call a VM that is gone 'unknown'.
        let deadline = Date().addingTimeInterval(5)
        while !ended.load(ordering: .relaxed) && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let endedByItself = ended.load(ordering: .relaxed)
        #expect(endedByItself)
        #expect(reports.all.dropFirst(4) == [.state(.stopped("shut down (host-qmp-quit)"))], "\(reports.all)")
    }

    @Test("a monitor another client holds is unknown (no greeting), and followed once it is free")
    func monitorHeldByAnother() async throws {
        let directory = try makeTemporaryDirectory("fleet-qmp-held")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let qemu = try QEMUMonitorProcess(monitorPath: directory + "/vm.qmp", controlPath: directory + "/control.qmp")
        defer { qemu.stop() }
        let other = try UnixSocket.connect(to: qemu.monitorPath)
        let reports = Reports()
        let feed = QMPRunStateFeed(path: qemu.monitorPath, group: MultiThreadedEventLoopGroup.singleton, timeout: .milliseconds(500))
        let following = Task { await feed.follow { reports.add($0) } }
        defer { following.cancel() }

        let held = try await reports.waitFor(Self.isUnknown)
        #expect(held == .state(.unknown("QMP \(qemu.monitorPath): no greeting: another client holds the monitor")), "\(reports.all)")
        #expect(!reports.all.contains(.state(.running)))
        close(other)
        #expect(try await reports.waitFor { $0 == .state(.running) } != nil, "\(reports.all)")
    }
}
