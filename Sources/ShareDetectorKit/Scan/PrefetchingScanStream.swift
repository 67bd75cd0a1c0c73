import Foundation
import MailFetching
import ShareLedger

/// A stream read ahead on a thread of its own: the next messages are fetched while the scan loop parses and
/// detects the ones before, so a folder costs about the longer of the two, not their sum (both cores work).
///
/// Each item carries the inner stream's cursor as it was right after that item, so ``cursor`` is always the one
/// that goes with the messages the loop has taken — never ahead of them. An error of the inner stream comes after
/// the items read before it. At most `capacity` items wait (bounded memory).
final class PrefetchingScanStream: ScanStream, @unchecked Sendable {
    private enum Entry {
        case item(SourceItem, cursor: Checkpoint?)
        case end
        case failure(ScanStreamError)
    }

    /// A class (`IMAPScanStream`): the reader thread and the loop share it, one at a time.
    private var inner: any ScanStream & AnyObject
    private let capacity: Int
    private let condition = NSCondition()
    private var queue: [Entry] = []
    private var head = 0
    private var stopping = false
    private var running = false
    /// Whether the end (or an error) was handed out: later calls return `nil` at once.
    private var ended = false
    private(set) var cursor: Checkpoint?

    /// Reads `inner` ahead by up to `capacity` items.
    init(_ inner: any ScanStream & AnyObject, capacity: Int = 64) {
        self.inner = inner
        self.capacity = max(1, capacity)
    }

    var checkpointKey: String? { inner.checkpointKey }
    var name: String { inner.name }

    func open(at checkpoint: Checkpoint?) throws(ScanStreamError) -> [String] {
        let notes = try inner.open(at: checkpoint)
        cursor = inner.cursor
        running = true
        let thread = Thread { [self] in produce() }
        thread.stackSize = 1 << 20
        thread.start()
        return notes
    }

    func next() throws(ScanStreamError) -> SourceItem? {
        guard running || head < queue.count, !ended else { return nil }
        condition.lock()
        while head == queue.count { condition.wait() }
        let entry = queue[head]
        // The slot lets go of the message now, not at the next compaction (never read again: `head` is past it).
        queue[head] = .end
        head += 1
        if head > 256, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        condition.unlock()
        switch entry {
        case .item(let item, let after):
            cursor = after
            return item
        case .end:
            ended = true
            return nil
        case .failure(let error):
            ended = true
            throw error
        }
    }

    func ledgerPosition(of position: MessagePosition) -> SourcePosition { inner.ledgerPosition(of: position) }

    /// Called once every item was taken: the reader has ended, the inner stream is the loop's again.
    func finish() {
        inner.finish()
        cursor = inner.cursor
    }

    /// Stops the reader (after the item it is fetching), then closes the inner stream.
    func close() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
        inner.close()
    }

    /// The reader: the inner stream's items, each with the cursor after it, until its end, an error, a signal or
    /// ``close()``.
    private func produce() {
        while true {
            condition.lock()
            while queue.count - head >= capacity, !stopping { condition.wait() }
            let stop = stopping || RunInterruption.isRequested
            condition.unlock()
            let entry: Entry
            if stop {
                entry = .end
            } else {
                do throws(ScanStreamError) {
                    if let item = try inner.next() {
                        entry = .item(item, cursor: inner.cursor)
                    } else {
                        entry = .end
                    }
                } catch {
                    entry = .failure(error)
                }
            }
            condition.lock()
            queue.append(entry)
            let done: Bool
            if case .item = entry { done = false } else { done = true }
            if done { running = false }
            condition.broadcast()
            condition.unlock()
            if done { return }
        }
    }
}
