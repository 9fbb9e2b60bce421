import FleetStore
import FleetSupervisor
import Foundation
import Logging
import ServiceLifecycle

/// The supervisor as a lifecycle service: on SIGTERM/SIGINT its task is cancelled, which closes
/// every session and flushes queued writes before `run` returns.
struct SupervisorService: Service {
    let supervisor: Supervisor

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await supervisor.run()
            }
        } catch is CancellationError {
            // Graceful shutdown: the supervisor has closed its sessions and flushed.
        }
    }
}

/// Deletes history past the retention window, once an hour (and once at start).
struct RetentionService: Service {
    let store: FleetStore
    let days: Int
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    let cutoff = Date().addingTimeInterval(-Double(days) * 86_400).millis
                    let removed = try await store.pruneHistory(before: cutoff)
                    if removed.total > 0 { logger.info("retention removed \(removed.total) rows older than \(days) days") }
                    try await Task.sleep(for: .seconds(3600))
                }
            }
        } catch is CancellationError {}
    }
}
