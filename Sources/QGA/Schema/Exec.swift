// guest-exec, guest-exec-status.

/// The later `capture-output` modes (QEMU 8.1+).
public enum GuestExecCaptureOutputMode: String, QAPIEnum {
    case none, stdout, stderr, separated, merged
}

/// `capture-output` is a bool in qemu-ga 7.2 and an alternate of bool and mode later:
/// `true` means `separated`, `false` means `none`.
public enum GuestExecCaptureOutput: Codable, Hashable, Sendable {
    case flag(Bool)
    case mode(GuestExecCaptureOutputMode)

    public var effectiveMode: GuestExecCaptureOutputMode {
        switch self {
        case .flag(let on): return on ? .separated : .none
        case .mode(let mode): return mode
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .flag(flag)
        } else if let text = try? container.decode(String.self) {
            guard let mode = GuestExecCaptureOutputMode(rawValue: text) else {
                throw QAPIDecodingError(path: QAPIDecodingError.path(decoder.codingPath), kind: .invalidEnumValue(text))
            }
            self = .mode(mode)
        } else {
            // qemu-ga 7.2 declares a plain bool, so its text names "boolean".
            throw QAPIDecodingError(path: QAPIDecodingError.path(decoder.codingPath), kind: .wrongType(expected: "boolean"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .flag(let flag): try container.encode(flag)
        case .mode(let mode): try container.encode(mode.rawValue)
        }
    }
}

public struct GuestExecArguments: Codable, Hashable, Sendable {
    /// A path, or a name looked up in PATH.
    public var path: String
    public var arg: [String]?
    /// `NAME=VALUE` strings.
    public var env: [String]?
    /// Base64 data written to the child's stdin.
    public var inputData: String?
    public var captureOutput: GuestExecCaptureOutput?

    public init(
        path: String, arg: [String]? = nil, env: [String]? = nil, inputData: String? = nil,
        captureOutput: GuestExecCaptureOutput? = nil
    ) {
        self.path = path
        self.arg = arg
        self.env = env
        self.inputData = inputData
        self.captureOutput = captureOutput
    }

    enum CodingKeys: String, CodingKey {
        case path, arg, env
        case inputData = "input-data"
        case captureOutput = "capture-output"
    }
}

public struct GuestExec: Codable, Hashable, Sendable {
    public var pid: Int64
    public init(pid: Int64) { self.pid = pid }
}

public struct GuestExecStatusArguments: Codable, Hashable, Sendable {
    public var pid: Int64
    public init(pid: Int64) { self.pid = pid }
}

public struct GuestExecStatus: Codable, Hashable, Sendable {
    public var exited: Bool
    public var exitcode: Int64?
    public var signal: Int64?
    public var outData: String?
    public var errData: String?
    public var outTruncated: Bool?
    public var errTruncated: Bool?

    public init(
        exited: Bool, exitcode: Int64? = nil, signal: Int64? = nil, outData: String? = nil,
        errData: String? = nil, outTruncated: Bool? = nil, errTruncated: Bool? = nil
    ) {
        self.exited = exited
        self.exitcode = exitcode
        self.signal = signal
        self.outData = outData
        self.errData = errData
        self.outTruncated = outTruncated
        self.errTruncated = errTruncated
    }

    enum CodingKeys: String, CodingKey {
        case exited, exitcode, signal
        case outData = "out-data", errData = "err-data"
        case outTruncated = "out-truncated", errTruncated = "err-truncated"
    }
}
