import FleetAPIModel
import FleetSupervisor
import Foundation

/// The operate tier: ping, fsfreeze, fstrim, set-time, shutdown — each through the VM's session.
extension ControlAPI {
    func pingVM(_ input: Operations.PingVM.Input) async throws -> Operations.PingVM.Output {
        let micros = try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { try await $0.ping() }
        return .ok(.init(body: .json(.init(rttMicros: micros))))
    }

    func getFreezeStatus(_ input: Operations.GetFreezeStatus.Input) async throws -> Operations.GetFreezeStatus.Output {
        let status = try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { try await $0.freezeStatus() }
        return .ok(.init(body: .json(.init(status: status == .frozen ? .frozen : .thawed))))
    }

    func freezeVM(_ input: Operations.FreezeVM.Input) async throws -> Operations.FreezeVM.Output {
        var mountpoints: [String]?
        var thawAfter: Duration?
        if case .json(let body) = input.body {
            mountpoints = body.mountpoints
            thawAfter = body.thawAfterSeconds.map { .seconds($0) }
        }
        let frozen = try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { [mountpoints, thawAfter] in
            try await $0.freeze(mountpoints: mountpoints, thawAfter: thawAfter)
        }
        return .ok(.init(body: .json(.init(count: frozen.count, thawBy: frozen.thawBy))))
    }

    func extendFreeze(_ input: Operations.ExtendFreeze.Input) async throws -> Operations.ExtendFreeze.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("a body with seconds is required") }
        let thawBy = try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { try await $0.extendFreeze(by: .seconds(body.seconds)) }
        return .ok(.init(body: .json(.init(thawBy: thawBy))))
    }

    func thawVM(_ input: Operations.ThawVM.Input) async throws -> Operations.ThawVM.Output {
        let count = try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { try await $0.thaw() }
        return .ok(.init(body: .json(.init(count: count))))
    }

    func fstrimVM(_ input: Operations.FstrimVM.Input) async throws -> Operations.FstrimVM.Output {
        var minimum: Int64?
        if case .json(let body) = input.body { minimum = body.minimum }
        let result = try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { [minimum] in try await $0.fstrim(minimum: minimum) }
        return .ok(.init(body: .json(.init(paths: result.paths.map {
            .init(path: $0.path, trimmed: $0.trimmed, minimum: $0.minimum, error: $0.error)
        }))))
    }

    func setTime(_ input: Operations.SetTime.Input) async throws -> Operations.SetTime.Output {
        var request = Components.Schemas.SetTimeRequest()
        if case .json(let body) = input.body { request = body }
        let sent = try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { [request] in
            try await $0.setTime(request.time, fromHardwareClock: request.fromHardwareClock == true)
        }
        return .ok(.init(body: .json(.init(time: sent))))
    }

    func shutdownVM(_ input: Operations.ShutdownVM.Input) async throws -> Operations.ShutdownVM.Output {
        var mode = Components.Schemas.ShutdownRequest.ModePayload.powerdown
        if case .json(let body) = input.body, let wanted = body.mode { mode = wanted }
        try await withAgent(input.path.name, waitPaused: input.query.waitPaused) { [mode] in try await $0.shutdown(mode: mode.rawValue) }
        return .accepted(.init(body: .json(.init(mode: .init(rawValue: mode.rawValue) ?? .powerdown))))
    }
}
