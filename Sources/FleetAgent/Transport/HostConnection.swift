#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QGA

/// One byte stream to the host — an accepted unix socket, a virtio-serial port or a serial
/// line — with its own decoder. Requests are answered in order; replies that the host does not
/// read yet are queued, and while more than `maxQueued` bytes wait, input is not read, so a host
/// that stops reading cannot make the agent's memory grow.
final class HostConnection {
    enum Kind {
        /// A socket: end-of-file means the client left; the connection closes.
        case socket
        /// A virtio-serial port or tty: end-of-file or hang-up means the host side is not
        /// connected now; the device stays open and is polled again shortly.
        case device
    }

    static let maxQueued = 4 << 20
    static let readSize = 64 << 10

    let fd: Int32
    let kind: Kind
    private let reactor: Reactor
    private let dispatcher: Dispatcher
    private var decoder = QGAStreamDecoder(role: .agent)
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var readBuffer = [UInt8](repeating: 0, count: HostConnection.readSize)
    private var pausedUntilHostReturns = false
    private(set) var closed = false
    var onClose: (() -> Void)?

    init(fd: Int32, kind: Kind, reactor: Reactor, dispatcher: Dispatcher) {
        self.fd = fd
        self.kind = kind
        self.reactor = reactor
        self.dispatcher = dispatcher
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        reactor.watch(fd, events: Int16(POLLIN)) { [unowned self] events in self.handle(events) }
    }

    private var pending: Int { output.count - outputOffset }

    private func updateInterest() {
        guard !closed, !pausedUntilHostReturns else { return }
        var events: Int16 = 0
        if pending < Self.maxQueued { events |= Int16(POLLIN) }
        if pending > 0 { events |= Int16(POLLOUT) }
        reactor.update(fd, events: events)
    }

    private func handle(_ events: Int16) {
        if events & Int16(POLLOUT) != 0 { flush() }
        if events & Int16(POLLIN) != 0 {
            readAvailable()
        } else if events & Int16(POLLHUP | POLLERR) != 0 {
            hangUp()
        }
        updateInterest()
    }

    private func readAvailable() {
        let n = readBuffer.withUnsafeMutableBytes { raw in retryingEINTR { read(fd, raw.baseAddress, raw.count) } }
        if n > 0 {
            readBuffer.withUnsafeBytes { raw in
                decoder.feed(UnsafeRawBufferPointer(rebasing: raw[..<n])) { event in
                    if let reply = dispatcher.reply(to: event) { enqueue(reply) }
                }
            }
            flush()
        } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
            hangUp()
        }
    }

    private func enqueue(_ bytes: [UInt8]) {
        if outputOffset > 0 && outputOffset == output.count {
            output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
            outputOffset = 0
        }
        output.append(contentsOf: bytes)
    }

    private func flush() {
        while pending > 0 {
            let n = output.withUnsafeBytes { raw in
                retryingEINTR { write(fd, raw.baseAddress! + outputOffset, raw.count - outputOffset) }
            }
            if n > 0 {
                outputOffset += n
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            hangUp()
            return
        }
        output = []
        outputOffset = 0
    }

    private func hangUp() {
        // What was half-received or unsent belonged to a host that is gone.
        decoder.reset()
        output = []
        outputOffset = 0
        switch kind {
        case .socket:
            close()
        case .device:
            // A virtio port reports hang-up for as long as the host side is closed; look again
            // in a moment rather than spinning on it.
            pausedUntilHostReturns = true
            reactor.update(fd, events: 0)
            reactor.schedule(afterNanoseconds: 200_000_000) { [weak self] in
                guard let self, !self.closed else { return }
                self.pausedUntilHostReturns = false
                self.updateInterest()
            }
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        reactor.unwatch(fd)
        Glibc.close(fd)
        onClose?()
    }
}
