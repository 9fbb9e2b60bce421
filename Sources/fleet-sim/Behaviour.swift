/// How one simulated VM's agent behaves. Healthy ones answer like a real agent; the others are
/// the broken and hostile guests fleetd must survive.
enum Behaviour: Sendable, Equatable {
    case healthy
    /// Every reply delayed by a log-uniform latency between the bounds (milliseconds).
    case slow(minMs: Int, maxMs: Int)
    /// Reads everything, answers nothing (not even the sync).
    case hung
    /// Answers the first N requests (sync included), then nothing.
    case silentAfter(Int)
    /// Healthy, but hangs up about every N seconds.
    case flapping(seconds: Int)
    /// Answers the sync, then random bytes instead of replies.
    case garbage
    /// Answers the sync and pings; answers every inventory command with one reply of N bytes.
    case giant(bytes: Int)
    /// Answers the sync, then starts a reply it never finishes (a byte every few ms, forever).
    case endless
    /// Every reply preceded by one with a wrong id and one nobody asked for.
    case wrongIDs
    /// Replies of absurd size and shape: huge strings, a million interfaces, deep nesting, bad UTF-8.
    case absurd
    /// The agent is frozen: only what a frozen qemu-ga allows is answered.
    case frozen

    static let names = ["healthy", "slow", "hung", "silent-after", "flapping", "garbage", "giant", "endless", "wrong-ids", "absurd", "frozen"]

    /// `healthy`, `slow[:MIN-MAX]` (ms), `hung`, `silent-after[:N]`, `flapping[:S]`, `garbage`,
    /// `giant[:MiB]`, `endless`, `wrong-ids`, `absurd`, `frozen`.
    init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1] : nil
        switch parts[0] {
        case "healthy": self = .healthy
        case "slow":
            let bounds = (argument ?? "20-2000").split(separator: "-").compactMap { Int($0) }
            guard bounds.count == 2, bounds[0] > 0, bounds[0] <= bounds[1] else { return nil }
            self = .slow(minMs: bounds[0], maxMs: bounds[1])
        case "hung": self = .hung
        case "silent-after":
            guard let n = Int(argument ?? "20"), n >= 0 else { return nil }
            self = .silentAfter(n)
        case "flapping":
            guard let s = Int(argument ?? "30"), s > 0 else { return nil }
            self = .flapping(seconds: s)
        case "garbage": self = .garbage
        case "giant":
            guard let mib = Int(argument ?? "100"), mib > 0 else { return nil }
            self = .giant(bytes: mib << 20)
        case "endless": self = .endless
        case "wrong-ids": self = .wrongIDs
        case "absurd": self = .absurd
        case "frozen": self = .frozen
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .healthy: "healthy"
        case .slow: "slow"
        case .hung: "hung"
        case .silentAfter: "silent-after"
        case .flapping: "flapping"
        case .garbage: "garbage"
        case .giant: "giant"
        case .endless: "endless"
        case .wrongIDs: "wrong-ids"
        case .absurd: "absurd"
        case .frozen: "frozen"
        }
    }
}
