import Foundation
import GongEngagement
import ShareDetectorKit
import ShareLedger
import Synchronization
import Testing

@Suite("Delivery while scanning")
struct DeliveryFeedTests {
    static func event(_ id: String) -> LedgerEvent {
        LedgerEvent(
            eventId: id, contentId: "c-\(id)", messageKey: "mid:\(id)", mailbox: "m",
            position: .file(path: "/m/\(id).eml"), body: Data("{}".utf8), detection: nil, api: .contentShared)
    }

    /// Waits (up to 10 s) until `condition` holds.
    static func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test("with an open feed the deliverer sends each commit as it comes and ends only when the feed closes")
    func sendsEachCommitUntilTheFeedCloses() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try ShareLedger(path: folder.appendingPathComponent("ledger.sqlite").path)
        let account = try GongAccountState(
            path: folder.appendingPathComponent("accounts.sqlite").path, accountKey: "http://x#0")
        var settings = GongSettings()
        settings.callsPerSecond = 1_000
        let sent = Mutex<[String]>([])
        let deliverer = Deliverer(
            ledger: ledger, account: account, options: Deliverer.Options(settings: settings),
            send: { claim in
                sent.withLock { $0.append(claim.eventId) }
                return .response(status: 200, requestId: "r", errors: [], retryAfterSeconds: nil)
            })
        let feed = DeliveryFeed()
        deliverer.feed = feed
        let report = Mutex<Deliverer.Report?>(nil)
        // Handed to the thread: the test thread does not touch the deliverer again.
        nonisolated(unsafe) let handed = deliverer
        let thread = Thread {
            let result = handed.run()
            report.withLock { $0 = result }
        }
        thread.start()

        // Nothing committed yet: the deliverer waits instead of ending.
        usleep(300_000)
        #expect(report.withLock { $0 } == nil, "an empty outbox does not end delivery while the scan goes on")
        for round in 0..<3 {
            let ids = (0..<4).map { "e\(round)-\($0)" }
            for id in ids { try ledger.insert(Self.event(id)) }
            feed.noteCommitted()
            #expect(Self.eventually { Set(ids).isSubset(of: sent.withLock { Set($0) }) }, "round \(round) sent")
        }
        #expect(report.withLock { $0 } == nil)
        feed.close()
        #expect(Self.eventually { report.withLock { $0 } != nil }, "closing the feed ends the pass")
        let final = try #require(report.withLock { $0 })
        #expect(final.delivered == 12)
        #expect(final.stop == nil)
        #expect(sent.withLock { $0.count } == 12, "each event sent once")
    }

    @Test("a closed feed's wait returns at once; an open one waits for a commit or its deadline")
    func feedWaits() {
        let feed = DeliveryFeed()
        let start = Date()
        feed.wait(after: feed.state.generation, until: Date().addingTimeInterval(0.2))
        #expect(Date().timeIntervalSince(start) >= 0.19)
        let seen = feed.state.generation
        feed.noteCommitted()
        let before = Date()
        feed.wait(after: seen, until: Date().addingTimeInterval(5))
        #expect(Date().timeIntervalSince(before) < 1, "a commit after the generation seen ends the wait")
        feed.close()
        #expect(feed.state.isOpen == false)
        let closed = Date()
        feed.wait(after: feed.state.generation, until: Date().addingTimeInterval(5))
        #expect(Date().timeIntervalSince(closed) < 1)
    }
}
