import FleetTestSupport
import Foundation
import Testing
@testable import FleetSupervisor

@Suite("Socket directory discovery")
struct SocketDirectoryTests {
    static func makeDirectory() throws -> String { try makeTemporaryDirectory("fleet-vms") }

    /// Creates a listening unix socket file, as QEMU's `-chardev socket,server=on` does.
    static func bindSocket(_ path: String) -> Int32 {
        (try? UnixSocket.listen(at: path, backlog: 1)) ?? -1
    }

    @Test("names: NAME.sock is VM NAME; other entries are not VMs")
    func names() {
        let naming = SocketNaming()
        #expect(naming.vmName(forEntry: "vm7.sock") == "vm7")
        #expect(naming.vmName(forEntry: "web-01.prod.sock") == "web-01.prod")
        #expect(naming.vmName(forEntry: ".sock") == nil)
        #expect(naming.vmName(forEntry: ".hidden.sock") == nil)
        #expect(naming.vmName(forEntry: "vm7.sock.tmp") == nil)
        #expect(naming.vmName(forEntry: "vm7.pid") == nil)
    }

    @Test("another pattern: Proxmox's VMID.qga is VM VMID; a pattern without a dot names by the whole stem")
    func patterns() {
        let proxmox = SocketNaming(pattern: "*.qga")
        #expect(proxmox.vmName(forEntry: "101.qga") == "101")
        #expect(proxmox.vmName(forEntry: "101.sock") == nil)
        #expect(proxmox.vmName(forEntry: "101.qga.old") == nil)
        #expect(proxmox.vmName(forEntry: ".101.qga") == nil)
        let any = SocketNaming(pattern: "*")
        #expect(any.vmName(forEntry: "db") == "db")
        #expect(any.vmName(forEntry: "db.sock") == "db")
        #expect(any.vmName(forEntry: ".db") == nil, "hidden entries never match a leading *")
        let prefixed = SocketNaming(pattern: "qga-[0-9]*.sock")
        #expect(prefixed.vmName(forEntry: "qga-12.sock") == "qga-12")
        #expect(prefixed.vmName(forEntry: "qga-x.sock") == nil)
    }

    @Test("a scan lists sockets only")
    func scan() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let a = Self.bindSocket(directory + "/a.sock"), b = Self.bindSocket(directory + "/b.sock")
        defer { close(a); close(b) }
        _ = FileManager.default.createFile(atPath: directory + "/fake.sock", contents: Data())
        _ = FileManager.default.createFile(atPath: directory + "/a.pid", contents: Data())
        try FileManager.default.createSymbolicLink(atPath: directory + "/linked.sock", withDestinationPath: directory + "/a.sock")
        try FileManager.default.createSymbolicLink(atPath: directory + "/dangling.sock", withDestinationPath: directory + "/none.sock")
        #expect(SocketDirectory.scan(directory) == [
            "a": directory + "/a.sock", "b": directory + "/b.sock", "linked": directory + "/linked.sock",
        ])
        let c = Self.bindSocket(directory + "/101.qga")
        defer { close(c) }
        #expect(SocketDirectory.scan(directory, naming: SocketNaming(pattern: "*.qga")) == ["101": directory + "/101.qga"])
    }

    @Test("inotify reports sockets appearing and disappearing, live; stop ends the stream")
    func watch() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let watcher = try SocketDirectoryWatcher(directory: directory)
        let collected = Task {
            var changes: [SocketDirectoryWatcher.Change] = []
            for await change in watcher.changes { changes.append(change) }
            return changes
        }
        let fd = Self.bindSocket(directory + "/vm1.sock")
        _ = FileManager.default.createFile(atPath: directory + "/notes.txt", contents: Data())
        try await Task.sleep(for: .milliseconds(100))
        close(fd)
        unlink(directory + "/vm1.sock")
        try await Task.sleep(for: .milliseconds(100))
        watcher.stop()
        let changes = await collected.value
        #expect(changes.prefix(2) == [.appeared(name: "vm1", path: directory + "/vm1.sock"), .disappeared(name: "vm1")])
        #expect(changes.last == .rescanNeeded)
    }

    @Test("a directory that does not exist is a clear error")
    func missingDirectory() {
        #expect(throws: (any Error).self) { _ = try SocketDirectoryWatcher(directory: "/nonexistent/fleet-vms") }
    }
}
