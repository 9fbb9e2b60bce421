#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QGA

/// guest-get-vcpus / guest-set-vcpus over /sys/devices/system/cpu, and the memory-block
/// commands over /sys/devices/system/memory.
enum ProcessorCommands {
    static func register(_ registry: inout CommandRegistry) {
        registry.register(GuestGetVcpusCommand.self) { _, context throws(QGAError) in
            let base = context.system.path("/sys/devices/system/cpu")
            let ids = numberedEntries(base, prefix: "cpu")
            guard !ids.isEmpty else { throw .generic("failed to list \(base): \(SystemError(ENOENT))") }
            return ids.map { id in
                let online = base + "/cpu\(id)/online"
                guard let state = FileIO.readTrimmed(online) else {
                    // No "online" file: the CPU is always on and cannot be taken offline (cpu0).
                    return GuestLogicalProcessor(logicalId: id, online: true, canOffline: false)
                }
                return GuestLogicalProcessor(logicalId: id, online: state == "1", canOffline: access(online, W_OK) == 0)
            }
        }

        registry.register(GuestSetVcpusCommand.self) { args, context throws(QGAError) in
            let base = context.system.path("/sys/devices/system/cpu")
            var processed: Int64 = 0
            for vcpu in args.vcpus {
                do throws(QGAError) {
                    try setVcpu(vcpu, base: base)
                } catch {
                    // The first failure is an error; a later one ends the run and reports how far it got.
                    if processed == 0 { throw error }
                    break
                }
                processed += 1
            }
            return processed
        }

        registry.register(GuestGetMemoryBlocksCommand.self) { _, context throws(QGAError) in
            let base = context.system.path("/sys/devices/system/memory")
            return numberedEntries(base, prefix: "memory").map { index in
                let dir = base + "/memory\(index)"
                let state = FileIO.readTrimmed(dir + "/state") ?? "online"
                let removable = FileIO.readTrimmed(dir + "/removable")
                return GuestMemoryBlock(physIndex: UInt64(index), online: state != "offline", canOffline: removable == "1")
            }
        }

        registry.register(GuestSetMemoryBlocksCommand.self) { args, context in
            let base = context.system.path("/sys/devices/system/memory")
            return args.memBlks.map { setMemoryBlock($0, base: base) }
        }

        registry.register(GuestGetMemoryBlockInfoCommand.self) { _, context throws(QGAError) in
            let path = context.system.path("/sys/devices/system/memory/block_size_bytes")
            guard let text = FileIO.readTrimmed(path), let size = UInt64(text, radix: 16) else {
                throw .generic("failed to read '\(path)'")
            }
            return GuestMemoryBlockInfo(size: size)
        }
    }

    /// Numbers N of the `prefixN` entries in a sysfs directory, ascending.
    static func numberedEntries(_ directory: String, prefix: String) -> [Int64] {
        FileIO.list(directory).compactMap { name in
            guard name.hasPrefix(prefix) else { return nil }
            return Int64(name.dropFirst(prefix.count))
        }.sorted()
    }

    static func setVcpu(_ vcpu: GuestLogicalProcessor, base: String) throws(QGAError) {
        let dir = base + "/cpu\(vcpu.logicalId)"
        guard FileIO.exists(dir) else { throw .generic("open(\"\(dir)\"): \(SystemError(ENOENT))") }
        let online = dir + "/online"
        guard let current = FileIO.readTrimmed(online) else {
            if vcpu.online { return }
            throw .generic("logical processor #\(vcpu.logicalId) can't be offlined")
        }
        let wanted = vcpu.online ? "1" : "0"
        guard current != wanted else { return }
        do throws(SystemError) { try FileIO.write(online, Array(wanted.utf8)) } catch {
            throw .generic("pwrite(\"\(online)\"): \(error)")
        }
    }

    static func setMemoryBlock(_ block: GuestMemoryBlock, base: String) -> GuestMemoryBlockResponse {
        let dir = base + "/memory\(block.physIndex)"
        guard FileIO.exists(dir) else { return GuestMemoryBlockResponse(physIndex: block.physIndex, response: .notFound) }
        let state = dir + "/state"
        let current = FileIO.readTrimmed(state)
        let wanted = block.online ? "online" : "offline"
        if current == wanted { return GuestMemoryBlockResponse(physIndex: block.physIndex, response: .success) }
        if !block.online, FileIO.readTrimmed(dir + "/removable") == "0" {
            return GuestMemoryBlockResponse(physIndex: block.physIndex, response: .operationNotSupported)
        }
        do throws(SystemError) {
            try FileIO.write(state, Array(wanted.utf8))
            return GuestMemoryBlockResponse(physIndex: block.physIndex, response: .success)
        } catch {
            return GuestMemoryBlockResponse(physIndex: block.physIndex, response: .operationFailed, errorCode: Int64(error.code))
        }
    }
}
