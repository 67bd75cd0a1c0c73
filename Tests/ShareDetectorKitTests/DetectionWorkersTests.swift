import Foundation
import MailFetching
import ShareLedger
import Testing

@testable import ShareDetectorKit

#if canImport(Glibc)
    import Glibc
#endif

/// Parsing and detection on worker threads: results come back in reading order, within their bounds, and a scan with
/// workers commits exactly what a scan without them commits, each cursor with the events of the messages before it.
@Suite("Detection workers")
struct DetectionWorkersTests {
    /// Records what order jobs finish in (workers append under the lock).
    final class FinishOrder: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var order: [Int] = []
        func append(_ value: Int) {
            lock.lock()
            order.append(value)
            lock.unlock()
        }
    }

    @Test func resultsComeBackInTheOrderHandedInWhateverOrderTheyFinishIn() {
        let workers = DetectionWorkers(threads: 3)
        let results = InOrderResults<Int>(workers: workers, limit: 16)
        let finished = FinishOrder()
        var taken: [Int] = []
        for index in 0..<300 {
            results.submit(weight: 1) {
                // Every third job is slow: the two after it finish first.
                if index % 3 == 0 { usleep(2_000) }
                finished.append(index)
                return index
            }
            while results.isFull, let value = results.takeNext() { taken.append(value) }
            while let value = results.takeReady() { taken.append(value) }
            #expect(results.outstanding <= 16)
        }
        while let value = results.takeNext() { taken.append(value) }
        #expect(taken == Array(0..<300))
        #expect(results.outstanding == 0)
        #expect(finished.order.count == 300)
        #expect(finished.order != Array(0..<300), "the jobs finished in order: the test proves nothing")
    }

    /// Counts the instances alive (a job's captured messages stand for them).
    final class Tracked: @unchecked Sendable {
        static let lock = NSLock()
        nonisolated(unsafe) static var alive = 0
        init() {
            Self.lock.lock()
            Self.alive += 1
            Self.lock.unlock()
        }
        deinit {
            Self.lock.lock()
            Self.alive -= 1
            Self.lock.unlock()
        }
        static var count: Int {
            lock.lock()
            defer { lock.unlock() }
            return alive
        }
    }

    @Test func aJobAndWhatItHoldsAreReleasedOnceItRan() {
        // A pool kept jobs until it compacted its queue (every 1,024): a scan held a thousand groups of messages,
        // 50 MB more peak memory on a 1 GB mbox. Now a taken job is let go at once.
        let workers = DetectionWorkers(threads: 2)
        let results = InOrderResults<Int>(workers: workers, limit: 4)
        for index in 0..<100 {
            let held = Tracked()
            results.submit(weight: 1) { withExtendedLifetime(held) { index } }
            while results.isFull, results.takeNext() != nil {}
        }
        while results.takeNext() != nil {}
        // The workers drop each job right after running it; give the last one a moment to return.
        var waited = 0
        while Tracked.count > 0, waited < 200 {
            usleep(5_000)
            waited += 1
        }
        #expect(Tracked.count == 0, "jobs that ran still hold what they captured")
    }

    @Test func theBoundCountsJobsAndBytesAndOneLargeJobMayGoAlone() {
        // No workers: each job runs when handed in, its result waits to be taken.
        let results = InOrderResults<String>(workers: nil, limit: 4, byteLimit: 25)
        #expect(results.takeNext() == nil)
        results.submit(weight: 10) { "a" }
        results.submit(weight: 10) { "b" }
        #expect(!results.isFull)
        results.submit(weight: 10) { "c" }
        #expect(results.isFull, "30 bytes out, 25 allowed")
        #expect(results.takeReady() == "a")
        #expect(!results.isFull)
        results.submit(weight: 1) { "d" }
        results.submit(weight: 1) { "e" }
        #expect(results.isFull, "4 jobs out, 4 allowed")
        #expect(
            [results.takeNext(), results.takeNext(), results.takeNext(), results.takeNext()] == ["b", "c", "d", "e"])
        results.submit(weight: 100) { "large" }
        #expect(results.isFull)
        #expect(results.takeNext() == "large")
        #expect(!results.isFull)
        #expect(results.takeReady() == nil)
    }

    /// 600 messages: every third shares a Google Doc, every sixtieth (from the 7th) is unreadable, the rest share
    /// nothing; the cursor after message `n` is UID `n`.
    final class Messages: ScanStream {
        let count: Int
        private var read = 0
        private(set) var cursor: Checkpoint?

        init(count: Int) { self.count = count }

        var checkpointKey: String? { "imap:workers/Sent" }
        var name: String { "workers/Sent" }
        func open(at checkpoint: Checkpoint?) throws(ScanStreamError) -> [String] {
            cursor = .imap(IMAPCheckpoint(uidValidity: 7, lastUID: 0))
            return []
        }
        func next() throws(ScanStreamError) -> SourceItem? {
            guard read < count else { return nil }
            read += 1
            cursor = .imap(IMAPCheckpoint(uidValidity: 7, lastUID: UInt32(read)))
            let position = MessagePosition(file: "workers/Sent", index: read, byteOffset: 0)
            if read % 60 == 7 { return .unreadable(position, reason: "message \(read) is over the size limit") }
            let link =
                read % 3 == 0
                ? "https://docs.google.com/document/d/1WorkersDoc\(String(format: "%04d", read))AbCdEfGhIjKlMn/edit"
                : "https://www.northwind.example/about"
            let text = """
                Message-ID: <workers-\(read)@northwind.example>\r
                Date: Mon, 30 Nov 2026 10:00:00 +0000\r
                From: Alice Martin <alice@northwind.example>\r
                To: Buyer <buyer\(read)@contoso.example>\r
                Subject: Proposal \(read)\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                The proposal: \(link)\r

                """
            return .message(
                RawMessage(bytes: Array(text.utf8), position: position, envelopeDate: nil, resumeOffset: UInt64(read)))
        }
        func ledgerPosition(of position: MessagePosition) -> SourcePosition {
            .imap(folder: "Sent", uidValidity: 7, uid: UInt32(position.index))
        }
        func finish() {}
        func close() {}
    }

    /// One commit as the sink saw it.
    struct Commit: Equatable {
        var eventIDs: [String]
        var eventUIDs: [UInt32]
        var messages: Int
        var cursorUID: UInt32?
    }

    /// Keeps every commit.
    struct RecordingSink: ScanSink, Sendable {
        var commits: [Commit] = []
        func checkpoint(for key: String) throws(RunFailure) -> Checkpoint? { nil }
        var commitsEachMessage: Bool { false }
        var keepsDetectionRecords: Bool { true }
        mutating func commit(
            _ batch: inout ScanBatch, cursor: Checkpoint?, key: String?, counts: inout ScanRunner.MailboxSummary
        ) throws(RunFailure) {
            var uid: UInt32?
            if case .imap(let checkpoint)? = cursor { uid = checkpoint.lastUID }
            commits.append(
                Commit(
                    eventIDs: batch.events.map(\.eventId),
                    eventUIDs: batch.events.map { event in
                        if case .imap(_, _, let uid) = event.position { return uid }
                        return 0
                    }, messages: batch.messages, cursorUID: uid))
            counts.newEvents += batch.events.count
            batch = ScanBatch()
        }
    }

    static func runner(threads: Int, in folder: URL) throws -> ScanRunner {
        let path = folder.appendingPathComponent("team.yml")
        try Data(
            """
            team: workers
            internalDomains: [northwind.example]
            state: \(folder.path)/ledger.sqlite
            mailboxes:
              - name: rep
                mbox: \(folder.path)/unused.mbox
            """.utf8
        ).write(to: path)
        let config = try TeamConfigLoader.load(path: path.path)
        var options = ScanRunner.Options()
        options.detectionThreads = threads
        let null = OutputSink(descriptor: open("/dev/null", O_WRONLY))
        return ScanRunner(
            config: config, rules: try DetectionPipeline.loadRules(config: config, extraPaths: []), options: options,
            output: null, diagnostics: null)
    }

    @Test func aScanWithWorkersCommitsWhatAScanWithoutThemCommitsEachCursorWithItsMessages() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var runs: [(commits: [Commit], counts: ScanRunner.MailboxSummary)] = []
        for threads in [0, 3] {
            let runner = try Self.runner(threads: threads, in: folder)
            var sink = RecordingSink()
            var counts = ScanRunner.MailboxSummary(mailbox: "rep")
            try runner.read([Messages(count: 600)], mailbox: "rep", into: &sink, counts: &counts)
            runs.append((sink.commits, counts))
        }
        let (parallel, counts) = runs[1]
        #expect(parallel == runs[0].commits)
        #expect(counts == runs[0].counts)
        #expect(counts.fetched == 600)
        #expect(counts.skipped == 10)
        #expect(counts.shares == 200)
        #expect(counts.newEvents == 200)
        // Each cursor is the last message of its commit: the events of every message up to it are in this commit or
        // an earlier one, and none of a later message.
        var applied = 0
        for commit in parallel {
            let before = applied
            applied += commit.messages
            #expect(commit.cursorUID == UInt32(applied))
            #expect(commit.eventUIDs.allSatisfy { $0 > UInt32(before) && $0 <= UInt32(applied) })
            #expect(commit.eventUIDs == commit.eventUIDs.sorted())
        }
        #expect(applied == 600)
        #expect(parallel.flatMap(\.eventUIDs) == stride(from: 3, through: 600, by: 3).map { UInt32($0) })
    }
}
