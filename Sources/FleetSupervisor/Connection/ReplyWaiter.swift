import NIOCore
import QGA

/// What waits for a reply on a channel: a caller's promise, or the channel's own heartbeat,
/// told directly. At 10,000 VMs a ping every 5 s is most of what fleetd sends, and a promise,
/// its callback and a trip through the pipeline per ping cost about as much as the ping's
/// own bookkeeping.
enum ReplyWaiter {
    case promise(EventLoopPromise<QGAReply?>)
    /// A heartbeat ping of the heartbeat numbered `generation`, sent at `sentAt`.
    case ping(generation: Int, sentAt: NIODeadline)
}

/// Hears how each ping sent with `AgentRequestHandler.sendPing` ended, on the event loop.
protocol PingListener: AnyObject {
    func pingFinished(generation: Int, _ outcome: HeartbeatOutcome)
}
