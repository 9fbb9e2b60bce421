import NIOCore

/// The requests a channel has sent and not yet had answered, without I/O: the request handler
/// feeds it what happens and carries out the action it returns (in the manner of
/// swift-nio-extras' request/response state machines). Generic over what waits for a reply,
/// so it is tested with plain values.
struct PendingRequests<Waiter> {
    struct Entry {
        var command: String
        var waiter: Waiter
        var timeout: TimeAmount
        /// However busy the line, the request fails here: an agent trickling an endless message
        /// below the size cap must not keep its requests alive for ever.
        var hardDeadline: NIODeadline
        /// success-response false: silence until the timeout means success.
        var silenceIsSuccess: Bool
        /// Whether any sane agent answers it small (`QGACommand.smallReply`).
        var smallReply: Bool
    }

    /// What to do when a request's timer fires.
    enum Expiry {
        /// Answered already, or not yet due.
        case nothing
        /// Replies are still arriving: look again at this time.
        case checkAgain(at: NIODeadline)
        /// A success-response false command stayed silent: that is its success.
        case silentSuccess(Entry)
        case timedOut(Entry)
    }

    /// The hard deadline, in timeouts.
    static var hardDeadlineFactor: Int64 { 6 }

    private var entries: [Int64: Entry] = [:]
    private var nextID: Int64 = 1
    private var large = 0

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// Whether a request whose reply may be large (file read, exec output, a raw command) is outstanding.
    var largeReplyOutstanding: Bool { large > 0 }

    /// Remembers a request; returns the id to send it with.
    mutating func add(
        _ command: String, waiter: Waiter, timeout: TimeAmount, at now: NIODeadline, silenceIsSuccess: Bool, smallReply: Bool
    ) -> Int64 {
        let id = nextID
        nextID += 1
        entries[id] = Entry(
            command: command, waiter: waiter, timeout: timeout, hardDeadline: now + timeout * Self.hardDeadlineFactor,
            silenceIsSuccess: silenceIsSuccess, smallReply: smallReply)
        if !smallReply { large += 1 }
        return id
    }

    /// The request a reply with this id answers (removed), or nil for a reply nobody waits for.
    mutating func answer(_ id: Int64?) -> Entry? {
        guard let id else { return nil }
        return remove(id)
    }

    mutating func remove(_ id: Int64) -> Entry? {
        guard let entry = entries.removeValue(forKey: id) else { return nil }
        if !entry.smallReply { large -= 1 }
        return entry
    }

    /// A request's timer fired at `now`; bytes last arrived at `lastActivity`. The agent answers
    /// in order, so while a large reply streams in, later requests wait behind it: a request
    /// times out only after a full timeout of silence, or at its hard deadline.
    mutating func expire(_ id: Int64, at now: NIODeadline, lastActivity: NIODeadline) -> Expiry {
        guard let entry = entries[id] else { return .nothing }
        let quietSince = min(lastActivity + entry.timeout, entry.hardDeadline)
        if quietSince > now { return .checkAgain(at: quietSince) }
        _ = remove(id)
        return entry.silenceIsSuccess ? .silentSuccess(entry) : .timedOut(entry)
    }

    /// Every outstanding request (removed), for failing them all at once.
    mutating func removeAll() -> [Entry] {
        let all = Array(entries.values)
        entries.removeAll()
        large = 0
        return all
    }
}
