#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An errno with its C library text (strerror), which is what qemu-ga puts in its messages.
struct SystemError: Error, CustomStringConvertible {
    var code: Int32

    init(_ code: Int32 = errno) { self.code = code }

    var description: String { String(cString: strerror(code)) }
}

/// Retries a call interrupted by a signal (SIGCHLD arrives often while children run).
@inline(__always)
func retryingEINTR<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result == -1 && errno == EINTR { continue }
        return result
    }
}
