import Testing
@testable import QGA

/// Argument errors as qemu-ga 7.2 words them (each case was sent to the real agent).
@Suite("QAPI argument checking")
struct ArgumentCheckingTests {
    static func check<C: QGACommand>(_ command: C.Type, _ arguments: String) -> String? {
        guard case .object(let object)? = parseJSON(arguments) else { return "not an object" }
        do {
            _ = try C.decodeArguments(object)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("qemu-ga's texts for bad arguments")
    func texts() {
        #expect(Self.check(GuestFileReadCommand.self, #"{"handle":"x"}"#) == "Invalid parameter type for 'handle', expected: integer")
        #expect(Self.check(GuestFileReadCommand.self, #"{"handle":1.5}"#) == "Invalid parameter type for 'handle', expected: integer")
        #expect(Self.check(GuestFileReadCommand.self, #"{"handle":18446744073709551615}"#) == "Invalid parameter type for 'handle', expected: integer")
        #expect(Self.check(GuestSetVcpusCommand.self, #"{"vcpus":1}"#) == "Invalid parameter type for 'vcpus', expected: array")
        #expect(Self.check(GuestSetVcpusCommand.self, #"{"vcpus":[1]}"#) == "Invalid parameter type for 'vcpus[0]', expected: object")
        #expect(Self.check(GuestSetVcpusCommand.self, #"{"vcpus":[{"online":true}]}"#) == "Parameter 'vcpus[0].logical-id' is missing")
        #expect(Self.check(GuestSetVcpusCommand.self, #"{"vcpus":[{"logical-id":"a","online":true}]}"#) == "Invalid parameter type for 'vcpus[0].logical-id', expected: integer")
        #expect(Self.check(GuestSetVcpusCommand.self, #"{"vcpus":[{"logical-id":9,"online":true,"bogus":1}]}"#) == "Parameter 'vcpus[0].bogus' is unexpected")
        #expect(Self.check(GuestSetMemoryBlocksCommand.self, #"{"mem-blks":[{"phys-index":-1,"online":"x"}]}"#) == "Invalid parameter type for 'mem-blks[0].online', expected: boolean")
        #expect(Self.check(GuestSetMemoryBlocksCommand.self, #"{"mem-blks":[{"phys-index":"x","online":true}]}"#) == "Parameter 'mem-blks[0].phys-index' expects uint64")
        #expect(Self.check(GuestExecCommand.self, #"{"path":"/bin/true","arg":"x"}"#) == "Invalid parameter type for 'arg', expected: array")
        #expect(Self.check(GuestExecCommand.self, #"{"path":"/bin/true","arg":[1]}"#) == "Invalid parameter type for 'arg[0]', expected: string")
        #expect(Self.check(GuestExecCommand.self, #"{"path":"/bin/true","capture-output":1}"#) == "Invalid parameter type for 'capture-output', expected: boolean")
        #expect(Self.check(GuestFileOpenCommand.self, #"{"path":1}"#) == "Invalid parameter type for 'path', expected: string")
        #expect(Self.check(GuestFileOpenCommand.self, #"{}"#) == "Parameter 'path' is missing")
        #expect(Self.check(GuestFileOpenCommand.self, #"{"bogus":1}"#) == "Parameter 'path' is missing")
        #expect(Self.check(GuestFileOpenCommand.self, #"{"path":"/x","bogus":1,"zz":2}"#) == "Parameter 'bogus' is unexpected")
        #expect(Self.check(GuestFileOpenCommand.self, #"{"path":null}"#) == "Invalid parameter type for 'path', expected: string")
        #expect(Self.check(GuestFileOpenCommand.self, #"{"path":"/x","mode":null}"#) == "Invalid parameter type for 'mode', expected: string")
        #expect(Self.check(GuestPingCommand.self, #"{"bogus":1}"#) == "Parameter 'bogus' is unexpected")
        #expect(Self.check(GuestFsfreezeFreezeListCommand.self, #"{"mountpoints":"x"}"#) == "Invalid parameter type for 'mountpoints', expected: array")
        #expect(Self.check(GuestFileSeekCommand.self, #"{"handle":1,"offset":0,"whence":true}"#) == "Invalid parameter type for 'whence', expected: GuestFileWhence")
        #expect(Self.check(GuestFileSeekCommand.self, #"{"handle":1,"offset":0,"whence":"bogus"}"#) == "Parameter 'whence' does not accept value 'bogus'")
        #expect(Self.check(GuestSetTimeCommand.self, #"{"time":"x"}"#) == "Invalid parameter type for 'time', expected: integer")
    }

    @Test("an unexpected member inside an element is reported before a later element's missing one")
    func perObjectOrder() {
        #expect(Self.check(GuestSetVcpusCommand.self, #"{"vcpus":[{"logical-id":1,"online":true,"x":1},{"online":true}]}"#)
            == "Parameter 'vcpus[0].x' is unexpected")
    }

    @Test("valid arguments decode to typed values")
    func validArguments() throws {
        let exec = try GuestExecCommand.decodeArguments(["path": "sh", "arg": ["-c", "true"], "capture-output": "merged"])
        #expect(exec.path == "sh")
        #expect(exec.arg == ["-c", "true"])
        #expect(exec.captureOutput?.effectiveMode == .merged)
        #expect(try GuestExecCommand.decodeArguments(["path": "x", "capture-output": true]).captureOutput?.effectiveMode == .separated)
        #expect(try GuestFileSeekCommand.decodeArguments(["handle": 1000, "offset": -5, "whence": 2]).whence == .value(2))
        #expect(try GuestFileSeekCommand.decodeArguments(["handle": 1000, "offset": 0, "whence": "cur"]).whence == .name(.cur))
        let blocks = try GuestSetMemoryBlocksCommand.decodeArguments(["mem-blks": [["phys-index": .uint(UInt64.max), "online": false]]])
        #expect(blocks.memBlks == [GuestMemoryBlock(physIndex: UInt64.max, online: false)])
        #expect(try GuestSyncCommand.decodeArguments(["id": .int(Int64.min)]).id == Int64.min)
        #expect(try GuestPingCommand.decodeArguments(nil) == QGAEmpty())
    }

    @Test("typed requests encode with the schema's member names and omit absent members")
    func typedRequests() {
        let request = GuestFileWriteCommand.request(GuestFileWriteArguments(handle: 1000, bufB64: "aGk="), id: 3)
        #expect(request.json == ["execute": "guest-file-write", "arguments": ["handle": 1000, "buf-b64": "aGk="], "id": 3])
        #expect(GuestPingCommand.request().json == ["execute": "guest-ping"])
        #expect(GuestExecCommand.request(GuestExecArguments(path: "ls", captureOutput: .mode(.stdout))).arguments
            == ["path": "ls", "capture-output": "stdout"])
    }

    @Test("results from a newer agent: unknown members ignored, null optional is absent")
    func lenientResults() throws {
        let info = try GuestGetOSInfoCommand.decodeResult(["id": "debian", "future-member": 1, "name": nil])
        #expect(info.id == "debian")
        #expect(info.name == nil)
        let fs = try GuestGetFsinfoCommand.decodeResult([["name": "vda", "mountpoint": "/", "type": "ext4", "disk": [
            ["pci-controller": ["domain": 0, "bus": 0, "slot": 2, "function": 0], "bus-type": "quantum", "bus": 0, "target": 0, "unit": 0],
        ]]])
        #expect(fs[0].disk[0].busType.rawValue == "quantum")
        #expect(throws: QAPIDecodingError.self) { try GuestGetFsinfoCommand.decodeResult([["name": "vda"]]) }
    }
}
