#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxSupport
import QGA

/// Opens the configured channel and keeps it served: unix-listen (one client at a time, later
/// clients wait in the listen backlog, exactly like qemu-ga), virtio-serial and isa-serial
/// devices, and a socket or device handed over by systemd (LISTEN_FDS).
final class ChannelServer {
    private let reactor: Reactor
    private let dispatcher: Dispatcher
    private let log: AgentLog
    private let retryPath: Bool
    /// Whether the agent stops when the channel cannot be opened (the standard channel); the
    /// fleet channel is served when it can be, and its failure only logged.
    private let essential: Bool
    private var listener: Int32 = -1
    private var connection: HostConnection?
    private(set) var socketPath: String?

    init(reactor: Reactor, dispatcher: Dispatcher, log: AgentLog, retryPath: Bool, essential: Bool = true) {
        self.reactor = reactor
        self.dispatcher = dispatcher
        self.log = log
        self.retryPath = retryPath
        self.essential = essential
    }

    /// Starts serving; throws when the channel cannot be opened (and -r is not set).
    func start(method: AgentConfig.Method, path: String, inheritedFD: Int32?) throws(AgentConfigError) {
        if let fd = inheritedFD {
            if Self.isListeningSocket(fd) {
                listen(on: fd)
            } else {
                serveDevice(fd)
            }
            return
        }
        switch method {
        case .unixListen:
            listen(on: try Self.bindUnixSocket(path))
            socketPath = path
        case .virtioSerial, .isaSerial:
            openDevice(path, serial: method == .isaSerial)
        case .vsockListen:
            throw AgentConfigError("vsock-listen is not supported by fleet-agent yet")
        }
    }

    private func openDevice(_ path: String, serial: Bool) {
        let fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            log.critical("error opening channel '\(path)': \(SystemError())")
            if retryPath {
                reactor.schedule(afterNanoseconds: 1_000_000_000) { [weak self] in self?.openDevice(path, serial: serial) }
            } else if essential {
                reactor.stop()
            }
            return
        }
        if serial { Self.makeRaw(fd) }
        serveDevice(fd)
    }

    private func serveDevice(_ fd: Int32) {
        connection = HostConnection(fd: fd, kind: .device, reactor: reactor, dispatcher: dispatcher)
    }

    /// A serial line in raw mode: every byte passes untouched, no echo, no line editing.
    static func makeRaw(_ fd: Int32) {
        var settings = termios()
        guard tcgetattr(fd, &settings) == 0 else { return }
        cfmakeraw(&settings)
        settings.c_cflag |= tcflag_t(CLOCAL | CREAD)
        _ = tcsetattr(fd, TCSANOW, &settings)
    }

    static func isListeningSocket(_ fd: Int32) -> Bool {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &length) == 0 && value != 0
    }

    static func bindUnixSocket(_ path: String) throws(AgentConfigError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw AgentConfigError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw AgentConfigError("socket: \(SystemError())") }
        // A socket file left by an earlier run would make bind fail; QEMU removes it too.
        unlink(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            let error = SystemError()
            close(fd)
            throw AgentConfigError("failed to listen on '\(path)': \(error)")
        }
        return fd
    }

    private func listen(on fd: Int32) {
        listener = fd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        reactor.watch(fd, events: Int16(POLLIN)) { [unowned self] _ in self.acceptClient() }
    }

    /// One client at a time: the listener is not watched while a client is served, so later
    /// clients' connects complete in the backlog and are answered once the current one leaves.
    private func acceptClient() {
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        reactor.update(listener, events: 0)
        let connection = HostConnection(fd: client, kind: .socket, reactor: reactor, dispatcher: dispatcher)
        connection.onClose = { [unowned self] in
            self.connection = nil
            self.reactor.update(self.listener, events: Int16(POLLIN))
        }
        self.connection = connection
        log.debug("client connected")
    }

    func shutdown() {
        connection?.close()
        if listener >= 0 { close(listener) }
        if let socketPath { unlink(socketPath) }
    }
}
