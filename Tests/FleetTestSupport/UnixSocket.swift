import Foundation

/// Unix stream sockets for tests: listeners that stand in for QEMU's chardev sockets or
/// scripted agents, and raw client connections.
public enum UnixSocket {
    static func address(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8.prefix($0.count - 1))) }
        return address
    }

    /// A socket bound at `path` and listening, as QEMU's `-chardev socket,server=on` makes.
    public static func listen(at path: String, backlog: Int32 = 4) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = address(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw TestFailure("listen on \(path): errno \(code)")
        }
        return fd
    }

    /// A connected client socket.
    public static func connect(to path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = address(path)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, connected == 0 else {
            let code = errno
            close(fd)
            throw TestFailure("connect \(path): errno \(code)")
        }
        return fd
    }
}
