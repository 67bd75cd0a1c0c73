import Foundation
import MailFetching
import ShareLedger

/// Where the scan loop puts what it read: the ledger (a real scan), or the output (a dry run).
protocol ScanSink {
    /// The stored cursor of a stream, if any.
    func checkpoint(for key: String) -> Checkpoint?
    /// Takes a batch of events with the cursor that follows them, and empties the batch.
    mutating func commit(
        _ batch: inout ScanBatch, cursor: Checkpoint?, key: String?, counts: inout ScanRunner.MailboxSummary)
        throws(RunFailure)
}

/// Events of messages read since the last commit, with the message each came from.
struct ScanBatch {
    var events: [LedgerEvent] = []
    /// Where each event's message is (parallel to ``events``), for the dry run's output.
    var sources: [MessagePosition] = []
    var messages = 0
}

/// A real scan: events and cursor in one ledger transaction.
struct LedgerScanSink: ScanSink {
    let ledger: ShareLedger
    /// The event ids the ledger did not have, in order.
    private(set) var inserted: [String] = []

    func checkpoint(for key: String) -> Checkpoint? { try? ledger.checkpoint(for: key) }

    mutating func commit(
        _ batch: inout ScanBatch, cursor: Checkpoint?, key: String?, counts: inout ScanRunner.MailboxSummary
    ) throws(RunFailure) {
        do {
            let result = try ledger.commit(events: batch.events, checkpoint: key == nil ? nil : cursor, for: key ?? "")
            counts.newEvents += result.inserted.count
            inserted += result.inserted
        } catch {
            throw RunFailure(exitCode: 1, message: "cannot record events in the ledger: \(error)")
        }
        batch = ScanBatch()
    }
}

/// A dry run: prints each event a scan would record, marks those the ledger already has, writes nothing. It reads
/// the ledger's cursors (a plain dry run shows what the next scan would record) unless told to ignore them.
struct DryRunScanSink: ScanSink {
    /// The team's ledger, opened read-only, when it exists.
    let ledger: ShareLedger?
    let json: Bool
    let output: OutputSink

    func checkpoint(for key: String) -> Checkpoint? { try? ledger?.checkpoint(for: key) }

    mutating func commit(
        _ batch: inout ScanBatch, cursor: Checkpoint?, key: String?, counts: inout ScanRunner.MailboxSummary
    ) throws(RunFailure) {
        for (event, source) in zip(batch.events, batch.sources) {
            let known = (try? ledger?.contains(eventId: event.eventId)) == true
            if !known { counts.newEvents += 1 }
            if json {
                output.line(
                    bytes: event.body.dropLast(1) + Array(",\"source\":".utf8)
                        + ((try? ScanRunner.encoder.encode(source)) ?? Data()) + Array("}".utf8))
            } else if let decoded = ScanRunner.decode(event) {
                output.line(
                    EventTextView.render(decoded, source: source)
                        + (known ? "            (already in the ledger)\n" : ""))
            }
        }
        batch = ScanBatch()
    }
}
