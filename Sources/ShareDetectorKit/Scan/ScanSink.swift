import Foundation
import MailFetching
import ShareLedger

/// Where the scan loop puts what it read: the ledger (a real scan), or the output (a dry run).
protocol ScanSink {
    /// The stored cursor of a stream, `nil` when it was never read; a ledger that cannot answer is an error (reading
    /// the stream from its start instead would be silent and slow).
    func checkpoint(for key: String) throws(RunFailure) -> Checkpoint?
    /// Whether each message's events go to the sink at once (a dry run prints as it reads) rather than in batches.
    var commitsEachMessage: Bool { get }
    /// Whether the sink keeps each event's detection record (the ledger does, for `requeue`; a dry run does not, so
    /// the loop does not encode them).
    var keepsDetectionRecords: Bool { get }
    /// Takes a batch of events with the cursor that follows them, and empties the batch.
    mutating func commit(
        _ batch: inout ScanBatch, cursor: Checkpoint?, key: String?, counts: inout ScanRunner.MailboxSummary)
        throws(RunFailure)
    /// The mailbox has been read (or failed): nothing more comes.
    mutating func finish()
}

extension ScanSink {
    /// Nothing to do by default.
    mutating func finish() {}
}
