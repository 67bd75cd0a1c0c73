import Foundation
import ShareLedger

/// A real scan: events and cursor in one ledger transaction.
struct LedgerScanSink: ScanSink {
    let ledger: any LedgerStore
    /// Told of each commit that added events, so the sender running beside the scan sends them at once.
    var feed: DeliveryFeed?
    /// The mailbox's lease on a shared ledger: every commit checks it in its transaction.
    var lease: MailboxLease?
    /// The event ids the ledger did not have, in order.
    private(set) var inserted: [String] = []

    func checkpoint(for key: String) throws(RunFailure) -> Checkpoint? {
        do { return try ledger.checkpoint(for: key) } catch {
            throw RunFailure(exitCode: 1, message: "cannot read the checkpoint of \(key): \(error)")
        }
    }
    var commitsEachMessage: Bool { false }
    var keepsDetectionRecords: Bool { true }

    mutating func commit(
        _ batch: inout ScanBatch, cursor: Checkpoint?, key: String?, counts: inout ScanRunner.MailboxSummary
    ) throws(RunFailure) {
        do {
            let result = try ledger.commit(
                events: batch.events, checkpoint: key == nil ? nil : cursor, for: key ?? "", lease: lease, now: Date())
            counts.newEvents += result.inserted.count
            inserted += result.inserted
            if !result.inserted.isEmpty { feed?.noteCommitted() }
        } catch {
            throw RunFailure(exitCode: 1, message: "cannot record events in the ledger: \(error)")
        }
        batch = ScanBatch()
    }
}
