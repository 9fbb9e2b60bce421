import Glibc

/// A directory's entries with the type the file system gives them (`d_type`; `DT_UNKNOWN`
/// where it gives none), read with readdir: Foundation's listing allocates far more, and
/// fleetd lists its directories often (rescans, Proxmox config polls).
enum DirectoryEntries {
    static func forEach(in directory: String, _ body: (_ name: String, _ type: Int32) -> Void) {
        guard let stream = opendir(directory) else { return }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            body(name, Int32(entry.pointee.d_type))
        }
    }
}
