import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import QGA

/// Why a QMP connection ended or could not be used.
struct QMPError: Error, Equatable, CustomStringConvertible {
    var description: String

    /// QEMU said nothing within the monitor's timeout.
    static let noAnswer = QMPError(description: "QEMU did not answer in time")
}

/// One connection to a QEMU monitor in QMP mode, from its greeting on: commands answered in
/// turn, events in between (kept, in order, for `nextEvent`). QEMU's monitor is trusted more
/// than a guest but still bounded: a message over 1 MiB, or a reply not in within `timeout`,
/// ends the connection.
struct QMPMonitor {
    private let channel: Channel
    private var inbound: NIOAsyncChannelInboundStream<QGAStreamEvent>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var events: [JSONObject] = []
    private var nextID: Int64 = 1
    let timeout: TimeAmount

    static let maxMessageBytes = 1 << 20

    /// Connects, then runs `body` with the monitor once QEMU has greeted it and capabilities are
    /// negotiated; the connection is closed when `body` returns or throws.
    static func withConnection<T: Sendable>(
        path: String, group: any EventLoopGroup, timeout: TimeAmount, _ body: (inout QMPMonitor) async throws -> T
    ) async throws -> T {
        let limits = QGAStreamLimits(maxMessageBytes: maxMessageBytes, maxTokens: 1 << 16, maxDepth: 64)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let control = FrameDecoderControl(maxMessageBytes: maxMessageBytes, now: channel.eventLoop.now)
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(QGAFrameDecoder(limits: limits, control: control)))
                    return try NIOAsyncChannel<QGAStreamEvent, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var monitor = QMPMonitor(channel: channel.channel, inbound: inbound.makeAsyncIterator(), outbound: outbound, timeout: timeout)
            try await monitor.greeting()
            _ = try await monitor.execute("qmp_capabilities")
            return try await body(&monitor)
        }
    }

    private init(
        channel: Channel, inbound: NIOAsyncChannelInboundStream<QGAStreamEvent>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        timeout: TimeAmount
    ) {
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
        self.timeout = timeout
    }

    /// Runs a command; returns its `return` value. Events that arrive meanwhile are kept.
    mutating func execute(_ command: String) async throws -> JSONValue {
        let id = nextID
        nextID += 1
        var request = JSONObject()
        request["execute"] = .string(command)
        request["id"] = .int(id)
        try await outbound.write(ByteBuffer(bytes: JSONWriter().line(.object(request))))
        while true {
            let message = try await nextMessage(deadline: true)
            if message["event"] != nil {
                events.append(message)
            } else if message["id"]?.int64Value == id {
                if let value = message["return"] { return value }
                let reason = message["error"]?["desc"]?.stringValue ?? "no return value"
                throw QMPError(description: "\(command): \(reason)")
            }
            // Anything else (a reply to nobody) is skipped.
        }
    }

    /// The next event, waiting as long as it takes (a VM may run for months without one).
    mutating func nextEvent() async throws -> JSONObject {
        if !events.isEmpty { return events.removeFirst() }
        while true {
            let message = try await nextMessage(deadline: false)
            if message["event"] != nil { return message }
        }
    }

    /// QEMU speaks first; a monitor another client holds says nothing (QEMU serves one client
    /// and leaves the others queued), which ends in a timeout that says so.
    private mutating func greeting() async throws {
        do {
            let message = try await nextMessage(deadline: true)
            guard message["QMP"] != nil else { throw QMPError(description: "not a QMP monitor: it did not greet") }
        } catch let error as QMPError where error == .noAnswer {
            throw QMPError(description: "no greeting: another client holds the monitor")
        }
    }

    /// One message; with `deadline`, the connection is closed if none arrives within `timeout`.
    private mutating func nextMessage(deadline: Bool) async throws -> JSONObject {
        let channel = self.channel
        let timedOut = NIOLockedValueBox(false)
        let timer = deadline
            ? channel.eventLoop.scheduleTask(in: timeout) {
                timedOut.withLockedValue { $0 = true }
                channel.close(promise: nil)
            } : nil
        defer { timer?.cancel() }
        while true {
            guard let event = try await inbound.next() else {
                throw timedOut.withLockedValue { $0 } ? QMPError.noAnswer : QMPError(description: "the monitor closed the connection")
            }
            switch event {
            case .message(.object(let object)): return object
            case .message, .delimiter: continue
            case .error(let error): throw QMPError(description: "unreadable QMP message: \(error.description)")
            }
        }
    }
}
