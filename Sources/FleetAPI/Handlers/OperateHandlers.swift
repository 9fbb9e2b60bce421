import FleetAPIModel
import FleetSupervisor
import Foundation
import QGA

/// The operate tier: ping, fsfreeze, fstrim, set-time, shutdown — each through the VM's session.
extension ControlAPI {
    func pingVM(_ input: Operations.PingVM.Input) async throws -> Operations.PingVM.Output {
        let timeout = settings.commandTimeout.timeAmount
        let micros = try await withAgent(input.path.name) { connection, _ in
            let started = ContinuousClock.now
            _ = try await connection.call(GuestPingCommand.self, timeout: timeout)
            let rtt = ContinuousClock.now - started
            return rtt.components.seconds * 1_000_000 + rtt.components.attoseconds / 1_000_000_000_000
        }
        return .ok(.init(body: .json(.init(rttMicros: micros))))
    }

    func getFreezeStatus(_ input: Operations.GetFreezeStatus.Input) async throws -> Operations.GetFreezeStatus.Output {
        let timeout = settings.commandTimeout.timeAmount
        let status = try await withAgent(input.path.name) { connection, _ in
            try await connection.call(GuestFsfreezeStatusCommand.self, timeout: timeout)
        }
        return .ok(.init(body: .json(.init(status: status == .frozen ? .frozen : .thawed))))
    }

    func freezeVM(_ input: Operations.FreezeVM.Input) async throws -> Operations.FreezeVM.Output {
        let timeout = settings.longCommandTimeout.timeAmount
        var mountpoints: [String]?
        if case .json(let body) = input.body { mountpoints = body.mountpoints }
        let count = try await withAgent(input.path.name) { [mountpoints] connection, session in
            let count: Int64
            if let mountpoints {
                count = try await connection.call(GuestFsfreezeFreezeListCommand.self, .init(mountpoints: mountpoints), timeout: timeout)
            } else {
                count = try await connection.call(GuestFsfreezeFreezeCommand.self, timeout: timeout)
            }
            await session.freezeChanged(frozen: true)
            return count
        }
        return .ok(.init(body: .json(.init(count: count))))
    }

    func thawVM(_ input: Operations.ThawVM.Input) async throws -> Operations.ThawVM.Output {
        let timeout = settings.longCommandTimeout.timeAmount
        let count = try await withAgent(input.path.name) { connection, session in
            let count = try await connection.call(GuestFsfreezeThawCommand.self, timeout: timeout)
            await session.freezeChanged(frozen: false)
            return count
        }
        return .ok(.init(body: .json(.init(count: count))))
    }

    func fstrimVM(_ input: Operations.FstrimVM.Input) async throws -> Operations.FstrimVM.Output {
        let timeout = settings.longCommandTimeout.timeAmount
        var minimum: Int64?
        if case .json(let body) = input.body { minimum = body.minimum }
        let result = try await withAgent(input.path.name) { [minimum] connection, _ in
            try await connection.call(GuestFstrimCommand.self, .init(minimum: minimum), timeout: timeout)
        }
        return .ok(.init(body: .json(.init(paths: result.paths.map {
            .init(path: $0.path, trimmed: $0.trimmed, minimum: $0.minimum, error: $0.error)
        }))))
    }

    func setTime(_ input: Operations.SetTime.Input) async throws -> Operations.SetTime.Output {
        let timeout = settings.commandTimeout.timeAmount
        var request = Components.Schemas.SetTimeRequest()
        if case .json(let body) = input.body { request = body }
        if request.fromHardwareClock == true, request.time != nil {
            throw APIError.badRequest("give either time or fromHardwareClock, not both")
        }
        let fromHost = request.fromHardwareClock != true && request.time == nil
        let sent = try await withAgent(input.path.name) { [request] connection, _ in
            // The host's clock is read at the last moment, so the guest is set as close to it as can be.
            let time = fromHost ? Int64((Date().timeIntervalSince1970 * 1e9).rounded()) : request.time
            _ = try await connection.call(GuestSetTimeCommand.self, .init(time: time), timeout: timeout)
            return time
        }
        return .ok(.init(body: .json(.init(time: sent))))
    }

    func shutdownVM(_ input: Operations.ShutdownVM.Input) async throws -> Operations.ShutdownVM.Output {
        // How long silence must last to count as success: an error reply comes at once.
        let timeout = min(settings.commandTimeout, .seconds(3)).timeAmount
        var mode = Components.Schemas.ShutdownRequest.ModePayload.powerdown
        if case .json(let body) = input.body, let wanted = body.mode { mode = wanted }
        try await withAgent(input.path.name) { [mode] connection, _ in
            // guest-shutdown has no reply on success: silence for the timeout is success, an
            // error reply is still reported.
            _ = try await connection.call(GuestShutdownCommand.self, .init(mode: mode.rawValue), timeout: timeout)
        }
        return .accepted(.init(body: .json(.init(mode: .init(rawValue: mode.rawValue) ?? .powerdown))))
    }
}
