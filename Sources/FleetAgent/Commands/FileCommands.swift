#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QGA

/// An open guest file: a stdio stream, as in qemu-ga, so modes, buffering and EOF behave the
/// same. stdio needs a seek between a read and a write in either direction; `lastOp` tracks it.
final class OpenFile {
    enum Operation { case none, read, write }
    let stream: UnsafeMutablePointer<FILE>
    var lastOp = Operation.none
    init(stream: UnsafeMutablePointer<FILE>) { self.stream = stream }
    deinit { fclose(stream) }
}

struct FileHandleTable {
    private(set) var files: [Int64: OpenFile] = [:]

    func get(_ handle: Int64) throws(QGAError) -> OpenFile {
        guard let file = files[handle] else { throw .generic("handle '\(handle)' has not been found") }
        return file
    }

    mutating func add(_ handle: Int64, _ file: OpenFile) { files[handle] = file }

    mutating func remove(_ handle: Int64) { files[handle] = nil }
}

enum FileCommands {
    /// qemu-ga accepts exactly these fopen() modes.
    static let modes: [String: Int32] = [
        "r": O_RDONLY, "rb": O_RDONLY,
        "w": O_WRONLY | O_CREAT | O_TRUNC, "wb": O_WRONLY | O_CREAT | O_TRUNC,
        "a": O_WRONLY | O_CREAT | O_APPEND, "ab": O_WRONLY | O_CREAT | O_APPEND,
        "r+": O_RDWR, "rb+": O_RDWR, "r+b": O_RDWR,
        "w+": O_RDWR | O_CREAT | O_TRUNC, "wb+": O_RDWR | O_CREAT | O_TRUNC, "w+b": O_RDWR | O_CREAT | O_TRUNC,
        "a+": O_RDWR | O_CREAT | O_APPEND, "ab+": O_RDWR | O_CREAT | O_APPEND, "a+b": O_RDWR | O_CREAT | O_APPEND,
    ]

    static let maxReadCount: Int64 = 48 << 20
    static let defaultReadCount: Int64 = 4096

    static func register(_ registry: inout CommandRegistry) {
        registry.register(GuestFileOpenCommand.self) { args, context throws(QGAError) in
            let mode = args.mode ?? "r"
            guard let flags = modes[mode] else { throw .generic("invalid file open mode '\(mode)'") }
            // New files get 0666 minus the umask, as with fopen(); never inherited by children.
            let fd = open(args.path, flags | O_CLOEXEC | O_NOCTTY, 0o666)
            guard fd >= 0 else {
                throw .generic("failed to open file '\(args.path)' (mode: '\(mode)'): \(SystemError())")
            }
            guard let stream = fdopen(fd, mode) else {
                let error = SystemError()
                close(fd)
                throw .generic("failed to open file '\(args.path)' (mode: '\(mode)'): \(error)")
            }
            // Reads from a FIFO or device must not block the whole agent.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            let handle: Int64
            do {
                handle = try context.state.takeHandle()
            } catch {
                fclose(stream)
                throw .generic("failed to add handle to qmp handle table: \(error)")
            }
            context.files.add(handle, OpenFile(stream: stream))
            return handle
        }

        registry.register(GuestFileCloseCommand.self) { args, context throws(QGAError) in
            _ = try context.files.get(args.handle)
            context.files.remove(args.handle)  // deinit closes the stream
            return QGAEmpty()
        }

        registry.register(GuestFileReadCommand.self) { args, context throws(QGAError) in
            let file = try context.files.get(args.handle)
            let count = args.count ?? defaultReadCount
            guard count >= 0, count <= maxReadCount else { throw .generic("value '\(count)' is invalid for argument count") }
            if file.lastOp == .write { fseeko(file.stream, 0, SEEK_CUR) }
            file.lastOp = .read
            var buffer = [UInt8](repeating: 0, count: Int(count))
            let got = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, Int(count), file.stream) }
            if ferror(file.stream) != 0 {
                let error = SystemError()
                clearerr(file.stream)
                throw .generic("failed to read file: \(error)")
            }
            return GuestFileRead(count: Int64(got), bufB64: QGABase64.encode(buffer[..<got]), eof: feof(file.stream) != 0)
        }

        registry.register(GuestFileWriteCommand.self) { args, context throws(QGAError) in
            let file = try context.files.get(args.handle)
            let data = try QGABase64.decode(args.bufB64)
            let count = args.count ?? Int64(data.count)
            guard count >= 0, count <= Int64(data.count) else { throw .generic("value '\(count)' is invalid for argument count") }
            if file.lastOp == .read { fseeko(file.stream, 0, SEEK_CUR) }
            file.lastOp = .write
            let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, Int(count), file.stream) }
            if ferror(file.stream) != 0 {
                let error = SystemError()
                clearerr(file.stream)
                throw .generic("failed to write to file: \(error)")
            }
            return GuestFileWrite(count: Int64(written), eof: feof(file.stream) != 0)
        }

        registry.register(GuestFileSeekCommand.self) { args, context throws(QGAError) in
            let file = try context.files.get(args.handle)
            let whence: Int32
            switch args.whence {
            case .name(.set), .value(0): whence = SEEK_SET
            case .name(.cur), .value(1): whence = SEEK_CUR
            case .name(.end), .value(2): whence = SEEK_END
            case .value(let other): throw .generic("invalid whence code \(other)")
            }
            guard fseeko(file.stream, off_t(args.offset), whence) == 0 else {
                throw .generic("failed to seek file: \(SystemError())")
            }
            file.lastOp = .none
            return GuestFileSeek(position: Int64(ftello(file.stream)), eof: feof(file.stream) != 0)
        }

        registry.register(GuestFileFlushCommand.self) { args, context throws(QGAError) in
            let file = try context.files.get(args.handle)
            guard fflush(file.stream) == 0 else { throw .generic("failed to flush file: \(SystemError())") }
            file.lastOp = .none
            return QGAEmpty()
        }
    }
}
