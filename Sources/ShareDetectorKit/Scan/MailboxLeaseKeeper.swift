import Foundation
import ShareLedger
import Synchronization

/// A process's heartbeat on a shared ledger, and the mailbox leases of its scan: leases are taken before a mailbox
/// is read, renewed with the heartbeat (every third of `duration`), given up when the mailbox is done; the heartbeat
/// also keeps the process's outbox claims its own. A process that dies stops beating: its leases lapse after
/// `duration` and another scanner takes the mailboxes over from their checkpoints, and another sender its claims.
/// Every commit checks its lease in the same transaction (a lapsed lease writes nothing).
final class MailboxLeaseKeeper: Sendable {
    let ledger: any LedgerStore
    let holder: String
    let duration: TimeInterval
    private let held = Mutex<Set<String>>([])
    private let stopped = Mutex(false)
    private let diagnostics: OutputSink?

    /// Starts the heartbeat, with a first beat before returning (so the first claim is already covered).
    init(
        ledger: any LedgerStore, duration: TimeInterval, holder: String = LeaseHolder.current, diagnostics: OutputSink?
    ) {
        self.ledger = ledger
        self.duration = duration
        self.holder = holder
        self.diagnostics = diagnostics
        _ = try? ledger.renewLeases(holder: holder, duration: duration)
        let thread = Thread { [self] in beat() }
        thread.name = "share-detector lease heartbeat"
        thread.start()
    }

    /// Takes `mailbox`'s lease, or says who has it.
    func acquire(_ mailbox: String) throws(RunFailure) -> LeaseOutcome {
        do {
            let outcome = try ledger.acquireLease(mailbox: mailbox, holder: holder, duration: duration)
            if case .acquired = outcome { _ = held.withLock { $0.insert(mailbox) } }
            return outcome
        } catch {
            throw RunFailure(exitCode: 1, message: "cannot take the mailbox's lease: \(error)")
        }
    }

    /// Gives `lease` up; a failure only delays the next scanner by the lease's remaining time, so it is a warning.
    func release(_ lease: MailboxLease) {
        _ = held.withLock { $0.remove(lease.mailbox) }
        do { try ledger.releaseLease(lease) } catch {
            diagnostics?.line(
                "share-detector: \(lease.mailbox): the lease could not be given up (\(error)); it lapses in "
                    + "\(Int(duration)) s", level: .warning)
        }
    }

    /// Stops the heartbeat (the leases still held lapse by themselves).
    func stop() {
        stopped.withLock { $0 = true }
    }

    private func beat() {
        let interval = max(0.2, duration / 3)
        var next = Date().addingTimeInterval(interval)
        while !stopped.withLock({ $0 }) {
            Thread.sleep(forTimeInterval: min(0.2, max(0, next.timeIntervalSinceNow)))
            guard Date() >= next else { continue }
            next = Date().addingTimeInterval(interval)
            let expected = held.withLock { $0 }
            do {
                let renewed = try ledger.renewLeases(holder: holder, duration: duration)
                // Said once per lease: the mailbox's next commit fails and says so again.
                for lost in expected.subtracting(renewed) where held.withLock({ $0.remove(lost) != nil }) {
                    diagnostics?.line(
                        "share-detector: \(lost): the lease lapsed (another scanner may take the mailbox over); "
                            + "this scan's next commit will fail", level: .warning)
                }
            } catch {
                diagnostics?.line(
                    "share-detector: cannot renew the heartbeat and mailbox leases (\(error)); retrying",
                    level: .warning)
            }
        }
    }
}
