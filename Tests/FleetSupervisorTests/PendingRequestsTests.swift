import NIOCore
import Testing
@testable import FleetSupervisor

/// The request/reply state without a channel: ids, answers, expiry, the reply cap's input.
@Suite("Pending requests")
struct PendingRequestsTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test("fresh ids in order; a reply is matched only by its own id, once")
    func matching() {
        var pending = PendingRequests<String>()
        let a = pending.add("guest-ping", waiter: "a", timeout: .seconds(5), at: Self.start, silenceIsSuccess: false, smallReply: true)
        let b = pending.add("guest-info", waiter: "b", timeout: .seconds(5), at: Self.start, silenceIsSuccess: false, smallReply: true)
        #expect((a, b) == (1, 2))
        #expect(pending.answer(nil) == nil && pending.answer(99) == nil)
        #expect(pending.answer(b)?.waiter == "b")
        #expect(pending.answer(b) == nil, "answered once")
        #expect(pending.count == 1 && pending.answer(a)?.command == "guest-ping" && pending.isEmpty)
    }

    @Test("a request times out after a full timeout of silence, not while bytes keep arriving, and always at six timeouts")
    func expiry() {
        var pending = PendingRequests<String>()
        let id = pending.add("guest-get-host-name", waiter: "r", timeout: .seconds(1), at: Self.start, silenceIsSuccess: false, smallReply: true)
        // Bytes 0.5 s ago: look again when the line has been quiet for a whole second.
        guard case .checkAgain(let when) = pending.expire(id, at: Self.start + .seconds(1), lastActivity: Self.start + .milliseconds(500))
        else { Issue.record("expected a second look"); return }
        #expect(when == Self.start + .milliseconds(1500))
        // A line that never goes quiet still ends at the hard deadline.
        guard case .timedOut(let entry) = pending.expire(id, at: Self.start + .seconds(6), lastActivity: Self.start + .seconds(6))
        else { Issue.record("expected a timeout at the hard deadline"); return }
        #expect(entry.waiter == "r" && pending.isEmpty)
        guard case .nothing = pending.expire(id, at: Self.start + .seconds(7), lastActivity: Self.start) else {
            Issue.record("an expired request expires once"); return
        }
    }

    @Test("silence is the success of a success-response false command")
    func silentSuccess() {
        var pending = PendingRequests<String>()
        let id = pending.add("guest-shutdown", waiter: "s", timeout: .seconds(3), at: Self.start, silenceIsSuccess: true, smallReply: true)
        guard case .silentSuccess(let entry) = pending.expire(id, at: Self.start + .seconds(3), lastActivity: Self.start) else {
            Issue.record("expected silence to succeed"); return
        }
        #expect(entry.command == "guest-shutdown")
    }

    @Test("a large reply is allowed exactly while a command that can return one is outstanding")
    func largeOutstanding() {
        var pending = PendingRequests<String>()
        let ping = pending.add("guest-ping", waiter: "p", timeout: .seconds(5), at: Self.start, silenceIsSuccess: false, smallReply: true)
        #expect(!pending.largeReplyOutstanding)
        let read = pending.add("guest-file-read", waiter: "f", timeout: .seconds(5), at: Self.start, silenceIsSuccess: false, smallReply: false)
        let status = pending.add("guest-exec-status", waiter: "e", timeout: .seconds(5), at: Self.start, silenceIsSuccess: false, smallReply: false)
        #expect(pending.largeReplyOutstanding)
        _ = pending.answer(read)
        #expect(pending.largeReplyOutstanding, "exec-status still out")
        _ = pending.expire(status, at: Self.start + .seconds(30), lastActivity: Self.start)
        #expect(!pending.largeReplyOutstanding)
        _ = pending.add("guest-exec-status", waiter: "e2", timeout: .seconds(5), at: Self.start, silenceIsSuccess: false, smallReply: false)
        #expect(pending.removeAll().count == 2 && !pending.largeReplyOutstanding)
        _ = ping
    }

    @Test("what a command may answer follows QGACommand.smallReply; an unknown raw command may be large")
    func allowance() {
        #expect(ReplyAllowance.isSmall("guest-ping") && ReplyAllowance.isSmall("guest-get-osinfo"))
        #expect(!ReplyAllowance.isSmall("guest-file-read") && !ReplyAllowance.isSmall("guest-exec-status"))
        #expect(!ReplyAllowance.isSmall("guest-something-new"))
        #expect(ReplyAllowance.cap(largeOutstanding: false, configured: 32 << 20) == 1 << 20)
        #expect(ReplyAllowance.cap(largeOutstanding: true, configured: 32 << 20) == 32 << 20)
        #expect(ReplyAllowance.cap(largeOutstanding: false, configured: 4096) == 4096)
    }
}
