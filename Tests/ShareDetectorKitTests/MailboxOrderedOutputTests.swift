import Foundation
import Testing

@testable import ShareDetectorKit

#if canImport(Glibc)
    import Glibc
#endif

/// A dry run prints in config order whatever order its mailboxes finish in.
@Suite("Dry-run output in config order")
struct MailboxOrderedOutputTests {
    @Test func laterMailboxesAreHeldUntilEveryEarlierOneHasFinished() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ordered-\(UUID().uuidString)").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(descriptor >= 0)
        defer { unlink(path) }
        let sink = OutputSink(descriptor: descriptor)
        let ordered = MailboxOrderedOutput(output: sink)
        ordered.line(Array("c1".utf8), mailbox: 2)
        ordered.line(Array("a1".utf8), mailbox: 0)
        ordered.line(Array("b1".utf8), mailbox: 1)
        ordered.finish(mailbox: 2)
        ordered.line(Array("a2".utf8), mailbox: 0)
        ordered.line(Array("d1".utf8), mailbox: 3)
        ordered.finish(mailbox: 0)
        ordered.line(Array("b2".utf8), mailbox: 1)
        ordered.finish(mailbox: 1)
        ordered.line(Array("d2".utf8), mailbox: 3)
        ordered.line(Array("e1".utf8), mailbox: 4)
        ordered.finishAll()
        sink.flush()
        close(descriptor)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "a1\na2\nb1\nb2\nc1\nd1\nd2\ne1\n")
    }

    @Test func aMailboxHoldingTooMuchWaitsForItsTurnAndTheRunMovesOn() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("held-\(UUID().uuidString)").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { unlink(path) }
        let sink = OutputSink(descriptor: descriptor)
        let ordered = MailboxOrderedOutput(output: sink, maxHeldBytes: 4)
        let wrote = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            ordered.line(Array("b1".utf8), mailbox: 1)
            ordered.line(Array("b2".utf8), mailbox: 1)
            ordered.line(Array("b3".utf8), mailbox: 1)  // over 4 bytes held: waits for mailbox 0
            wrote.signal()
        }
        #expect(wrote.wait(timeout: .now() + 0.5) == .timedOut, "mailbox 1 waits while mailbox 0 runs")
        ordered.line(Array("a1".utf8), mailbox: 0)
        ordered.finish(mailbox: 0)
        #expect(wrote.wait(timeout: .now() + 5) == .success)
        ordered.finish(mailbox: 1)
        sink.flush()
        close(descriptor)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a1\nb1\nb2\nb3\n")
    }

    @Test func aDryRunOfManyMailboxesAtOncePrintsWhatAOneByOneRunPrints() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var mailboxes = ""
        for index in 0..<6 {
            // Different sizes, so the mailboxes finish out of order when read at once.
            let mbox = folder.appendingPathComponent("rep\(index).mbox")
            let example = try Data(contentsOf: ScanCommandTests.mailbox)
            try Data((0..<(6 - index)).flatMap { _ in example }).write(to: mbox)
            mailboxes += "  - name: rep\(index)\n    mbox: rep\(index).mbox\n"
        }
        let config = folder.appendingPathComponent("team.yml")
        try Data("team: order\ninternalDomains: [northwind.example]\nmailboxes:\n\(mailboxes)".utf8).write(to: config)
        let one = try CLI.run(["scan", "--dry-run", "--json", "--concurrency", "1", "--config", config.path])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(!one.stdout.isEmpty)
        for _ in 0..<3 {
            let many = try CLI.run(["scan", "--dry-run", "--json", "--concurrency", "6", "--config", config.path])
            #expect(many.stdout == one.stdout)
        }
    }
}
