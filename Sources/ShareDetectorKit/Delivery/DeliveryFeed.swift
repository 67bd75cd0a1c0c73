import Foundation

/// Tells a sender that runs while the scan does when new events are in the ledger and when the scan is over.
///
/// The scan's sinks call ``noteCommitted()`` after each transaction that added events; the ``Deliverer`` drains the
/// outbox and, finding it empty while the feed is open, waits here instead of ending. Closing the feed (the scan is
/// done) turns the deliverer back into an ordinary pass: it sends what is left, waits for retries due soon, ends.
public final class DeliveryFeed: @unchecked Sendable {
    private let condition = NSCondition()
    private var open = true
    private var generation = 0

    /// An open feed.
    public init() {}

    /// New events were committed.
    public func noteCommitted() {
        condition.lock()
        generation += 1
        condition.broadcast()
        condition.unlock()
    }

    /// The scan is over: no more events will come.
    public func close() {
        condition.lock()
        open = false
        condition.broadcast()
        condition.unlock()
    }

    /// Whether the scan is still going, and how many commits it has announced.
    public var state: (isOpen: Bool, generation: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (open, generation)
    }

    /// Waits until a commit after `generation` (read from ``state`` before the outbox was found empty), the feed
    /// closes, or `deadline`, whichever is first.
    public func wait(after generation: Int, until deadline: Date) {
        condition.lock()
        defer { condition.unlock() }
        while open, self.generation == generation {
            if !condition.wait(until: deadline) { return }
        }
    }
}
