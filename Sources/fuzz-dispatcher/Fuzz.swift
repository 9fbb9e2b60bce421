import Foundation
import QGA
@testable import FleetAgent
import FuzzDriver

// libFuzzer target for fleet-agent's dispatcher (see scripts/fuzz): each input is a byte stream
// from the host, decoded as the agent decodes it and answered by the real dispatcher and command
// handlers. Only commands that read are enabled — over an empty fixture root, with no helper
// programs — so nothing the fuzzer sends can change this machine; every other command still
// passes through envelope parsing, lookup and the policy. Checked: nothing crashes, every reply
// is one line of JSON that parses back, carries `return` or `error`, and echoes the id.

/// Commands that only read (the fixture root, or nothing at all).
let readOnly: Set<String> = [
    "guest-ping", "guest-info", "guest-sync", "guest-sync-delimited", "guest-get-osinfo", "guest-get-host-name",
    "guest-get-timezone", "guest-get-users", "guest-get-time", "guest-network-get-interfaces", "guest-get-vcpus",
    "guest-get-fsinfo", "guest-get-memory-blocks", "guest-get-memory-block-info", "guest-fsfreeze-status",
    "guest-exec-status", "guest-file-read", "guest-file-close", "guest-file-seek", "guest-get-disks", "guest-get-devices",
    "guest-get-cpustats", "guest-get-diskstats", "guest-get-load",
]

final class Sandbox {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-fuzz-\(getpid())")
    let dispatcher: Dispatcher

    init() {
        let state = root.appendingPathComponent("state")
        try! FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let context = AgentContext(
            system: LinuxSystem(root: root.path, searchPath: []), state: try! StateDirectory(directory: state.path),
            log: AgentLog(), policy: CommandPolicy(allowed: readOnly), fsfreezeHook: nil, reactor: Reactor())
        dispatcher = Dispatcher(registry: AgentCommands.registry(), context: context)
        context.agentInfo = { [unowned dispatcher] in dispatcher.agentInfo() }
    }
}

nonisolated(unsafe) let sandbox = Sandbox()
let limits = QGAStreamLimits(maxMessageBytes: 1 << 16, maxTokens: 4096, maxDepth: 64)

func check(_ reply: [UInt8], for event: QGAStreamEvent) {
    var bytes = reply[...]
    if bytes.first == 0xFF { bytes = bytes.dropFirst() }
    check(bytes.last == UInt8(ascii: "\n"), "a reply is one line")
    var decoder = QGAStreamDecoder(role: .host)
    let events = decoder.feed(Array(bytes))
    check(events.count == 1, "a reply parses to one message, got \(events.count)")
    guard case .message(.object(let object)) = events[0] else { fail("a reply is an object") }
    check((object["return"] != nil) != (object["error"] != nil), "a reply has return or error")
    if case .message(.object(let request)) = event {
        // The id comes back as qemu-ga writes it: 2e2 returns as 200 (C's %.17g).
        let sentID = request["id"].flatMap { JSONValue.parseDocument(JSONWriter(style: .qemu).bytes($0)) }
        if let id = object["id"] { check(sentID == id, "a reply carries only the request's id") }
        if object["return"] != nil { check(object["id"] == sentID, "a success echoes the id") }
    }
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var decoder = QGAStreamDecoder(role: .agent, limits: limits)
    decoder.feed(UnsafeRawBufferPointer(start: data, count: size)) { event in
        if let reply = sandbox.dispatcher.reply(to: event) { check(reply, for: event) }
    }
    return 0
}

@_cdecl("fuzz_dispatcher_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzOne(data, size) }
}
