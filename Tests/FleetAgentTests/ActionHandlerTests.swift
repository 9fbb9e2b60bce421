import Foundation
import QGA
import Testing
@testable import FleetAgent

/// Handlers that change a guest, run against stand-ins and fixtures only: nothing here may
/// act on this machine.
@Suite("Handlers that change the guest (through seams)")
struct ActionHandlerTests {
    @Test("guest-shutdown runs shutdown with qemu-ga's flags")
    func shutdownModes() throws {
        let harness = try Harness()
        try harness.standIn("shutdown")
        for mode in ["halt", "powerdown"] {
            #expect(harness.call(#"{"execute":"guest-shutdown","arguments":{"mode":"\#(mode)"}}"#) == nil)
        }
        #expect(harness.call(#"{"execute":"guest-shutdown"}"#) == nil)
        #expect(harness.calls("shutdown") == """
            -H +0 hypervisor initiated shutdown
            -P +0 hypervisor initiated shutdown
            -P +0 hypervisor initiated shutdown

            """)
        #expect(harness.errorDesc(#"{"execute":"guest-shutdown","arguments":{"mode":"sleep"}}"#)
            == "mode is invalid (valid values are: halt|powerdown|reboot")
    }

    @Test("guest-set-time without a time reads the RTC through hwclock -s; no hwclock is unsupported")
    func setTimeFromRTC() throws {
        let harness = try Harness()
        #expect(harness.errorDesc(#"{"execute":"guest-set-time"}"#) == "this feature or command is not currently supported")
        try harness.standIn("hwclock")
        #expect(harness.result(#"{"execute":"guest-set-time"}"#) == [:])
        #expect(harness.calls("hwclock") == "-s\n")
        try harness.standIn("hwclock", status: 1)
        #expect(harness.errorDesc(#"{"execute":"guest-set-time"}"#) == "hwclock failed to set hardware clock to system time")
        // Out-of-range times are refused before the clock is touched.
        #expect(harness.errorDesc(#"{"execute":"guest-set-time","arguments":{"time":-5}}"#) == "Invalid time")
        #expect(harness.errorDesc(#"{"execute":"guest-set-time","arguments":{"time":4102444800000000000}}"#) == "Invalid time")
    }

    @Test("suspend: systemd first, then pm-utils, then /sys/power/state")
    func suspend() throws {
        let harness = try Harness()
        #expect(harness.errorDesc(#"{"execute":"guest-suspend-ram"}"#) == "the requested suspend mode is not supported by the guest")
        try harness.write("/sys/power/state", "freeze mem disk\n")
        #expect(harness.call(#"{"execute":"guest-suspend-disk"}"#) == nil)
        #expect(harness.read("/sys/power/state") == "disk")
        #expect(harness.errorDesc(#"{"execute":"guest-suspend-hybrid"}"#) == "the requested suspend mode is not supported by the guest")
        try harness.standIn("systemctl")
        #expect(harness.call(#"{"execute":"guest-suspend-hybrid"}"#) == nil)
        #expect(harness.calls("systemctl") == "status systemd-hybrid-sleep.service\nstart systemd-hybrid-sleep.service\n")
    }

    @Test("guest-set-user-password feeds chpasswd user:password, with -e when crypted")
    func setPassword() throws {
        let harness = try Harness()
        try harness.standIn("chpasswd", readsInput: true)
        let secret = QGABase64.encode(Array("s3cret pass".utf8))
        #expect(harness.result(#"{"execute":"guest-set-user-password","arguments":{"username":"alice","password":"\#(secret)","crypted":false}}"#) == [:])
        #expect(harness.result(#"{"execute":"guest-set-user-password","arguments":{"username":"bob","password":"JDYkeA==","crypted":true}}"#) == [:])
        #expect(harness.calls("chpasswd") == "\nalice:s3cret pass\n-e\nbob:$6$x\n")
        let newline = QGABase64.encode(Array("a\nb".utf8))
        #expect(harness.errorDesc(#"{"execute":"guest-set-user-password","arguments":{"username":"alice","password":"\#(newline)","crypted":false}}"#)
            == "forbidden characters in raw password")
        try harness.standIn("chpasswd", status: 1)
        #expect(harness.errorDesc(#"{"execute":"guest-set-user-password","arguments":{"username":"alice","password":"\#(secret)","crypted":false}}"#)
            == "child process has failed to set user password")
    }

    @Test("ssh keys in a temporary home: add, get, remove, reset, bad keys")
    func sshKeys() throws {
        let harness = try Harness()
        let home = harness.root.appendingPathComponent("home/alice")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try harness.write("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:\(getuid()):\(getgid()):Alice:\(home.path):/bin/sh\n")
        let keyFile = home.path + "/.ssh/authorized_keys"
        #expect(harness.errorDesc(#"{"execute":"guest-ssh-get-authorized-keys","arguments":{"username":"alice"}}"#)
            == "failed to read '\(keyFile)': Failed to open file \u{201C}\(keyFile)\u{201D}: No such file or directory")
        #expect(harness.result(#"{"execute":"guest-ssh-remove-authorized-keys","arguments":{"username":"alice","keys":["ssh-ed25519 AAAA a"]}}"#) == [:])
        #expect(harness.result(#"{"execute":"guest-ssh-add-authorized-keys","arguments":{"username":"alice","keys":["ssh-ed25519 AAAA a","ssh-rsa BBBB b"]}}"#) == [:])
        #expect(harness.result(#"{"execute":"guest-ssh-add-authorized-keys","arguments":{"username":"alice","keys":["ssh-rsa BBBB b","ssh-ed25519 CCCC c"]}}"#) == [:])
        #expect(harness.result(#"{"execute":"guest-ssh-get-authorized-keys","arguments":{"username":"alice"}}"#)
            == ["keys": ["ssh-ed25519 AAAA a", "ssh-rsa BBBB b", "ssh-ed25519 CCCC c"]])
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: home.path + "/.ssh")[.posixPermissions] as? Int == 0o700)
        #expect(harness.result(#"{"execute":"guest-ssh-remove-authorized-keys","arguments":{"username":"alice","keys":["ssh-rsa BBBB b"]}}"#) == [:])
        #expect(try String(contentsOfFile: keyFile, encoding: .utf8) == "ssh-ed25519 AAAA a\nssh-ed25519 CCCC c\n")
        #expect(harness.result(#"{"execute":"guest-ssh-add-authorized-keys","arguments":{"username":"alice","keys":["ssh-rsa DDDD d"],"reset":true}}"#) == [:])
        #expect(harness.result(#"{"execute":"guest-ssh-get-authorized-keys","arguments":{"username":"alice"}}"#) == ["keys": ["ssh-rsa DDDD d"]])
        #expect(harness.errorDesc(#"{"execute":"guest-ssh-add-authorized-keys","arguments":{"username":"alice","keys":[""]}}"#)
            == "invalid OpenSSH public key: ''")
        #expect(harness.errorDesc(#"{"execute":"guest-ssh-get-authorized-keys","arguments":{"username":"nobody-here"}}"#)?
            .hasPrefix("failed to lookup user 'nobody-here'") == true)
    }

    @Test("freeze over a fixture mount list: hook order, frozen state, errors thaw everything")
    func freeze() throws {
        let harness = try Harness(hook: "") { root in
            // Mount points that do not exist on this machine: nothing real can be frozen.
            let mountinfo = """
                27 1 254:0 / /nonexistent/fleet-a rw - ext4 /dev/vda rw
                28 27 254:1 / /nonexistent/fleet-b rw - ext4 /dev/vdb rw

                """
            try FileManager.default.createDirectory(at: root.appendingPathComponent("proc/self"), withIntermediateDirectories: true)
            try mountinfo.write(to: root.appendingPathComponent("proc/self/mountinfo"), atomically: true, encoding: .utf8)
        }
        try harness.standIn("fsfreeze-hook")
        harness.context.fsfreezeHook = harness.bin.appendingPathComponent("fsfreeze-hook").path
        // The list names nothing mounted: nothing frozen, and the agent does not stay frozen.
        #expect(harness.result(#"{"execute":"guest-fsfreeze-freeze-list","arguments":{"mountpoints":["/elsewhere"]}}"#) == 0)
        #expect(harness.result(#"{"execute":"guest-fsfreeze-status"}"#) == "thawed")
        #expect(harness.calls("fsfreeze-hook") == "freeze\nthaw\n")
        // Opening the first mount (in reverse order) fails: error, and everything is thawed.
        #expect(harness.errorDesc(#"{"execute":"guest-fsfreeze-freeze"}"#) == "failed to open /nonexistent/fleet-b: No such file or directory")
        #expect(harness.result(#"{"execute":"guest-fsfreeze-status"}"#) == "thawed")
        #expect(!FileManager.default.fileExists(atPath: harness.stateDirectory.path + "/qga.state.isfrozen"))
        // A failing hook stops the freeze before anything happens.
        try harness.standIn("fsfreeze-hook", status: 2)
        #expect(harness.errorDesc(#"{"execute":"guest-fsfreeze-freeze"}"#) == "fsfreeze hook has failed with status 2")
        #expect(harness.result(#"{"execute":"guest-fsfreeze-status"}"#) == "thawed")
        let trimmed = try #require(harness.result(#"{"execute":"guest-fstrim"}"#)?["paths"]?.arrayValue)
        #expect(trimmed.map { $0["path"] } == ["/nonexistent/fleet-b", "/nonexistent/fleet-a"])
        #expect(trimmed.allSatisfy { $0["error"]?.stringValue?.contains("No such file") == true })
    }

    @Test("the file-handle counter starts at 1000, persists, and survives a restart")
    func handleCounter() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-state-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try StateDirectory(directory: directory)
        #expect(try first.takeHandle() == 1000)
        #expect(try first.takeHandle() == 1001)
        #expect(try String(contentsOfFile: directory + "/qga.state", encoding: .utf8) == "[global]\nfd_counter=1002\n")
        let second = try StateDirectory(directory: directory)
        #expect(try second.takeHandle() == 1002)
    }
}
