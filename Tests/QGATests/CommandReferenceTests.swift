import Foundation
import Testing
@testable import QGA

@Suite("CommandReference")
struct CommandReferenceTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/qga-commands.md")

    @Test("docs/qga-commands.md is what the command table generates")
    func docsMatchTable() throws {
        let generated = QGACommandTable.markdownReference()
        if ProcessInfo.processInfo.environment["FLEET_UPDATE_DOCS"] == "1" {
            try generated.write(to: Self.path, atomically: true, encoding: .utf8)
        }
        let onDisk = try String(contentsOf: Self.path, encoding: .utf8)
        #expect(onDisk == generated, "stale: run FLEET_UPDATE_DOCS=1 swift test --filter CommandReference")
        for command in QGACommandTable.all { #expect(onDisk.contains("`\(command.name)`")) }
    }
}
