import Foundation
import MailFetching
import ShareLedger
import Testing

@testable import ShareDetectorKit

/// Reading a stream ahead on a thread: the loop sees every item once, in order, each with the cursor that goes with
/// it; an error after the items before it; and closing stops the reader.
@Suite("Prefetching scan stream")
struct PrefetchingScanStreamTests {
    /// A stream of `count` messages whose cursor is the UID just read; fails after `failAfter` items if set.
    final class Counting: ScanStream {
        let count: Int
        let failAfter: Int?
        var read = 0
        var finished = false
        var closed = false
        private(set) var cursor: Checkpoint?

        init(count: Int, failAfter: Int? = nil) {
            self.count = count
            self.failAfter = failAfter
        }

        var checkpointKey: String? { "imap:test/Sent" }
        var name: String { "test/Sent" }
        func open(at checkpoint: Checkpoint?) throws(ScanStreamError) -> [String] {
            cursor = .imap(IMAPCheckpoint(uidValidity: 7, lastUID: 0))
            return []
        }
        func next() throws(ScanStreamError) -> SourceItem? {
            if let failAfter, read == failAfter {
                throw ScanStreamError(message: "test/Sent: connection lost", stopsMailbox: false)
            }
            guard read < count else { return nil }
            read += 1
            cursor = .imap(IMAPCheckpoint(uidValidity: 7, lastUID: UInt32(read)))
            return .message(
                RawMessage(
                    bytes: Array("Subject: \(read)\r\n\r\n".utf8),
                    position: MessagePosition(file: "test", index: read, byteOffset: 0), envelopeDate: nil,
                    resumeOffset: UInt64(read)))
        }
        func ledgerPosition(of position: MessagePosition) -> SourcePosition {
            .imap(folder: "Sent", uidValidity: 7, uid: UInt32(position.index))
        }
        func finish() {
            finished = true
            cursor = .imap(IMAPCheckpoint(uidValidity: 7, lastUID: 999))
        }
        func close() { closed = true }
    }

    static func uid(_ cursor: Checkpoint?) -> UInt32? {
        if case .imap(let checkpoint)? = cursor { return checkpoint.lastUID }
        return nil
    }

    @Test func everyItemComesOnceInOrderWithItsOwnCursor() throws {
        let inner = Counting(count: 500)
        let stream = PrefetchingScanStream(inner, capacity: 8)
        _ = try stream.open(at: nil)
        var seen: [Int] = []
        while let item = try stream.next() {
            guard case .message(let raw) = item else { continue }
            seen.append(raw.position.index)
            #expect(Self.uid(stream.cursor) == UInt32(raw.position.index), "the cursor is never ahead")
            if seen.count == 3 { usleep(50_000) }  // the reader fills the queue meanwhile, and stops at its capacity
        }
        #expect(seen == Array(1...500))
        #expect(try stream.next() == nil, "after the end, nil again")
        stream.finish()
        #expect(inner.finished)
        #expect(Self.uid(stream.cursor) == 999)
        stream.close()
        #expect(inner.closed)
    }

    @Test func anErrorComesAfterTheItemsReadBeforeIt() throws {
        let stream = PrefetchingScanStream(Counting(count: 50, failAfter: 20), capacity: 4)
        _ = try stream.open(at: nil)
        var taken = 0
        do {
            while try stream.next() != nil { taken += 1 }
            Issue.record("no error")
        } catch {
            #expect(error.message == "test/Sent: connection lost")
        }
        #expect(taken == 20)
        #expect(Self.uid(stream.cursor) == 20)
        stream.close()
    }

    @Test func closingStopsAReaderWaitingForRoom() throws {
        let inner = Counting(count: 10_000)
        let stream = PrefetchingScanStream(inner, capacity: 2)
        _ = try stream.open(at: nil)
        _ = try stream.next()
        usleep(20_000)
        stream.close()
        #expect(inner.closed)
        #expect(inner.read < 10, "the reader stopped at its capacity: \(inner.read)")
    }
}
