import Testing
@testable import QGA

@Suite("Envelopes")
struct EnvelopeTests {
    @Test("request envelope errors have qemu-ga's texts and keep the id", arguments: [
        (#"[1,2]"#, "QMP input must be a JSON object", nil),
        (#"42 "#, "QMP input must be a JSON object", nil),
        (#"{"id":5}"#, "QMP input lacks member 'execute'", 5),
        (#"{"arguments":{}}"#, "QMP input lacks member 'execute'", nil),
        (#"{"execute":42,"id":5}"#, "QMP input member 'execute' must be a string", 5),
        (#"{"execute":"guest-ping","arguments":[],"id":5}"#, "QMP input member 'arguments' must be an object", 5),
        (#"{"execute":"guest-ping","bogus":1,"id":5}"#, "QMP input member 'bogus' is unexpected", 5),
        (#"{"exec-oob":"guest-ping","id":5}"#, "QMP input member 'exec-oob' is unexpected", 5),
        (#"{"foo":1}"#, "QMP input member 'foo' is unexpected", nil),
    ] as [(String, String, JSONValue?)])
    func envelopeErrors(_ input: String, _ desc: String, _ id: JSONValue?) throws {
        let value = try #require(parseJSON(input))
        guard case .failure(let failure) = QGARequest.parse(value) else {
            Issue.record("\(input) was accepted")
            return
        }
        #expect(failure.error == QGAError(.genericError, desc))
        #expect(failure.id == id)
    }

    @Test("a valid request keeps arguments and any id, null included")
    func validRequest() throws {
        let value = try #require(parseJSON(#"{"execute":"guest-sync","arguments":{"id":-1},"id":null}"#))
        let request = try QGARequest.parse(value).get()
        #expect(request.execute == "guest-sync")
        #expect(request.arguments == ["id": -1])
        #expect(request.id == .null)
        #expect(parseJSON(String(decoding: request.bytes(), as: UTF8.self)) == value)
    }

    @Test("replies encode as qemu-ga does")
    func replyEncoding() {
        let ok = QGAReply.success([:], id: "abc")
        #expect(JSONWriter(style: .qemu).string(ok.json) == #"{"return": {}, "id": "abc"}"#)
        let failure = QGAReply.failure(.commandNotFound("guest-bogus"))
        #expect(JSONWriter(style: .qemu).string(failure.json)
            == #"{"error": {"class": "CommandNotFound", "desc": "The command guest-bogus has not been found"}}"#)
        #expect(QGAError.disabledWhileFrozen("guest-exec").desc
            == "Command guest-exec has been disabled: the agent is in frozen state")
        #expect(QGAError.commandDisabled("guest-exec").desc == "Command guest-exec has been disabled")
        #expect(QGAError(QGAStreamError.stray([0xFF])).desc == "JSON parse error, stray '\u{FFFD}'")
    }

    @Test("host side: replies from an agent parse, malformed ones are rejected with a reason", arguments: [
        (#"{"return": 42, "id": 7}"#, QGAReply.success(42, id: 7) as QGAReply?),
        (#"{"id": 5, "error": {"class": "CommandNotFound", "desc": "x"}}"#,
         .failure(QGAError(.commandNotFound, "x"), id: 5)),
        (#"{"return": {}, "extra": 1}"#, .success([:])),
        (#"{"error": {"class": "Mystery", "desc": "y"}}"#, .failure(QGAError(QGAErrorClass("Mystery"), "y"))),
        (#"[1]"#, nil),
        (#"{"id": 1}"#, nil),
        (#"{"return": 1, "error": {"class": "x", "desc": "y"}}"#, nil),
        (#"{"error": "boom"}"#, nil),
        (#"{"error": {"class": 1, "desc": "y"}}"#, nil),
        (#"{"error": {"class": "GenericError"}}"#, nil),
    ] as [(String, QGAReply?)])
    func replyParsing(_ input: String, _ expected: QGAReply?) throws {
        let value = try #require(parseJSON(input))
        switch QGAReply.parse(value) {
        case .success(let reply): #expect(reply == expected)
        case .failure(let error):
            #expect(expected == nil, "rejected: \(error)")
            #expect(!error.description.isEmpty)
        }
    }
}

@Suite("Refusals")
struct RefusalTests {
    @Test("each refusal qemu-ga words is known by its kind; other errors are no refusal")
    func kinds() {
        #expect(QGAError.commandNotFound("guest-get-load").refusal == .notFound)
        #expect(QGAError.commandDisabled("guest-exec").refusal == .disabled)
        #expect(QGAError.disabledWhileFrozen("guest-get-osinfo").refusal == .frozen)
        #expect(QGAError(.commandNotFound, "something else entirely").refusal == .unknown)
        #expect(QGAError.generic("Command guest-exec has been disabled: the agent is in frozen state").refusal == nil)
        #expect(QGAError.commandFailed("No such file or directory").refusal == nil)
    }
}
