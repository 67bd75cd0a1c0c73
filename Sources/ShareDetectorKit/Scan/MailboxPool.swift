import Foundation

/// Runs a scan's mailboxes on worker threads, as ``MailboxSchedule`` decides: `concurrency` at once, at most
/// `maxPerHost` per IMAP server. The calling thread waits until every started mailbox is done.
///
/// Real threads, not the global dispatch queue: a worker spends most of its time blocked on a server, and the
/// queue's width follows the cores (two here), not the connections a scan wants open.
package final class MailboxPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var schedule: MailboxSchedule
    private var workersLeft: Int

    /// A pool over mailboxes on `hosts` (one entry per mailbox, `nil` for a local one).
    package init(hosts: [String?], concurrency: Int, maxPerHost: Int) {
        schedule = MailboxSchedule(hosts: hosts, concurrency: concurrency, maxPerHost: maxPerHost)
        workersLeft = max(1, min(concurrency, hosts.count))
    }

    /// Calls `work` once per mailbox index (never twice at once for one index) and returns when all are done.
    /// Once `stop()` answers true, no new mailbox starts; the running ones finish.
    package func run(stop: @escaping @Sendable () -> Bool, work: @escaping @Sendable (Int) -> Void) {
        guard !schedule.hosts.isEmpty else { return }
        if workersLeft == 1 {
            // One worker: the calling thread does the work (no thread to start, the stack of the caller).
            worker(stop: stop, work: work)
            return
        }
        let count = workersLeft
        for _ in 0..<count {
            let thread = Thread { [self] in worker(stop: stop, work: work) }
            // Parsing a deeply nested message recurses: give each worker the main thread's stack size.
            thread.stackSize = 8 << 20
            thread.start()
        }
        condition.lock()
        while workersLeft > 0 { condition.wait() }
        condition.unlock()
    }

    private func worker(stop: @Sendable () -> Bool, work: @Sendable (Int) -> Void) {
        condition.lock()
        while true {
            if stop() { schedule.stopAccepting() }
            switch schedule.next() {
            case .scan(let index):
                condition.unlock()
                work(index)
                condition.lock()
                schedule.complete(index)
                condition.broadcast()
            case .wait:
                // A completing mailbox wakes us; the timeout notices a signal while every worker is busy.
                _ = condition.wait(until: Date().addingTimeInterval(0.5))
            case .finished:
                workersLeft -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }
}
