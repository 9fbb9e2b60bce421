import FleetAPIModel

/// Why a fleetctl request failed, with a message that says what to do about it.
public enum ControlClientError: Error, CustomStringConvertible {
    case unusableSocketPath(String)
    case notRunning(String, String)
    case permissionDenied(String)
    case timedOut(String)
    case transport(String, String)
    case api(status: Int, Components.Schemas._Error)

    public var description: String {
        switch self {
        case .unusableSocketPath(let path):
            return "'\(path)' cannot be used as a unix socket path"
        case .notRunning(let path, _):
            return "fleetd is not running (no answer on \(path)); start fleetd, or point --socket / FLEET_SOCKET at its control socket"
        case .permissionDenied(let path):
            return "permission denied opening \(path); join the group that owns it (see control.socketGroup in fleetd.yaml) or run as root"
        case .timedOut(let path):
            return "fleetd on \(path) did not answer in time"
        case .transport(let path, let detail):
            return "talking to fleetd on \(path) failed: \(detail)"
        case .api(_, let payload):
            var message = payload.message
            if payload.error == .forbidden, let tier = payload.requiredTier {
                message += " (ask for the \(tier.rawValue) tier: see control.\(tier.rawValue)Group in fleetd.yaml)"
            }
            return message
        }
    }

    /// fleetctl's exit status for this failure (documented in `fleetctl --help`).
    public var exitCode: Int32 {
        switch self {
        case .unusableSocketPath: 2
        case .notRunning, .transport, .timedOut: 3
        case .permissionDenied: 4
        case .api(_, let payload):
            switch payload.error {
            case .forbidden: 4
            case .notFound: 5
            case .unreachable, .conflict: 6
            case .agentError: 7
            case .timeout: 8
            case .badRequest: 2
            case ._internal: 1
            }
        }
    }
}
