import Foundation
import Testing

@Suite("share-detector inspect (end to end)")
struct InspectCommandTests {
    @Test func jsonLinesDescribeEveryMessageWithItsSource() throws {
        let result = try CLI.run(["inspect", "--json", "examples/sent.mbox"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 6)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let first = objects[0]
        let source = first["source"] as! [String: Any]
        #expect(source["file"] as? String == "examples/sent.mbox")
        #expect(source["index"] as? Int == 0)
        #expect(source["byteOffset"] as? Int == 0)
        #expect(first["messageId"] as? String == "proposal-1@northwind.example")
        #expect((first["date"] as? [String: Any])?["iso8601"] as? String == "2026-11-02T09:14:00+01:00")
        #expect((first["to"] as? [[String: Any]])?.first?["address"] as? String == "bob@contoso.example")
        #expect((first["parts"] as? [[String: Any]])?.count == 2)
        #expect(objects[1]["subject"] as? String == "NDA for signature – Contoso")
        let offsets = objects.map { ($0["source"] as! [String: Any])["byteOffset"] as! Int }
        #expect(offsets == offsets.sorted() && Set(offsets).count == 6)
        #expect(result.stderr.contains("inspect: 6 messages read, 0 skipped"))
    }

    @Test func readableViewShowsDecodedFields() throws {
        let result = try CLI.run(["inspect", "examples/sent.mbox"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Subject:     NDA for signature – Contoso"))
        #expect(result.stdout.contains("To:          bob@contoso.example, Dana Lee <dana@contoso.example>"))
    }

    @Test func unreadableMessageIsReportedAndTheRunGoesOn() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data().write(to: folder.appendingPathComponent("a-empty.eml"))
        try Data("Subject: fine\n\nbody\n".utf8).write(to: folder.appendingPathComponent("b-fine.eml"))
        let result = try CLI.run(["inspect", "--json", folder.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("a-empty.eml message 0 at byte 0: empty-message"))
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("\"skipped\""))
        #expect(lines[1].contains("\"subject\":\"fine\""))
    }

    @Test func missingInputIsAUsageErrorNamingIt() throws {
        let result = try CLI.run(["inspect", "no/such/mailbox.mbox"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("no/such/mailbox.mbox"))
        #expect(result.stdout.isEmpty)
    }

    @Test func helpDescribesTheCommand() throws {
        let result = try CLI.run(["help", "inspect"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--json"))
        #expect(result.stdout.contains("mbox"))
    }
}
