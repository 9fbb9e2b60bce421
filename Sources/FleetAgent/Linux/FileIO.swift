#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Small, bounded file helpers over file descriptors (no Foundation in the guest binary).
enum FileIO {
    /// Reads a whole file, at most `limit` bytes (sysfs and procfs files are small; the limit
    /// keeps a surprise from costing memory).
    static func read(_ path: String, limit: Int = 4 << 20) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError() }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while result.count < limit {
            let want = min(chunk.count, limit - result.count)
            let n = chunk.withUnsafeMutableBytes { raw in retryingEINTR { Glibc.read(fd, raw.baseAddress, want) } }
            if n < 0 { throw SystemError() }
            if n == 0 { break }
            result.append(contentsOf: chunk[..<n])
        }
        return result
    }

    static func readText(_ path: String, limit: Int = 4 << 20) throws(SystemError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    /// The file's text without surrounding white space, or nil when it cannot be read.
    static func readTrimmed(_ path: String) -> String? {
        guard let text = try? readText(path, limit: 64 << 10) else { return nil }
        return text.trimmingWhitespace()
    }

    /// Writes `bytes` to an existing file (sysfs attributes) or creates it with `mode`.
    /// Truncates first, as a shell's `echo 1 > online` does (sysfs ignores the truncation).
    static func write(_ path: String, _ bytes: [UInt8], create: Bool = false, mode: mode_t = 0o644, append: Bool = false) throws(SystemError) {
        var flags = O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        if create { flags |= O_CREAT }
        let fd = open(path, flags, mode)
        guard fd >= 0 else { throw SystemError() }
        defer { close(fd) }
        try writeAll(fd, bytes)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in retryingEINTR { Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) } }
            if n < 0 { throw SystemError() }
            offset += n
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isExecutable(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    /// Names in a directory, without "." and "..".
    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Target of a symbolic link.
    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    /// Text of a NUL-terminated C buffer.
    init(cBuffer buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// Fields separated by runs of white space (how /proc tables are laid out).
    var fields: [Substring] { Substring(self).split(whereSeparator: { $0 == " " || $0 == "\t" }) }
}
