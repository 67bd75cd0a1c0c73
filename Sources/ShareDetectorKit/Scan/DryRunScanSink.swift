import Foundation
import MailFetching
import ShareLedger

/// A dry run: prints each event a scan would record, marks those the ledger already has, writes nothing. It reads
/// the ledger's cursors (a plain dry run shows what the next scan would record) unless told to ignore them.
struct DryRunScanSink: ScanSink {
    /// The team's ledger, opened read-only, when it exists.
    let ledger: (any LedgerStore)?
    let json: Bool
    /// Where lines go, in config order.
    let output: MailboxOrderedOutput
    /// The mailbox's config index.
    let mailbox: Int

    func checkpoint(for key: String) throws(RunFailure) -> Checkpoint? {
        do { return try ledger?.checkpoint(for: key) } catch {
            throw RunFailure(exitCode: 1, message: "cannot read the checkpoint of \(key): \(error)")
        }
    }
    var commitsEachMessage: Bool { true }
    var keepsDetectionRecords: Bool { false }

    mutating func commit(
        _ batch: inout ScanBatch, cursor: Checkpoint?, key: String?, counts: inout ScanRunner.MailboxSummary
    ) throws(RunFailure) {
        for (index, (event, source)) in zip(batch.events, batch.sources).enumerated() {
            let known = (try? ledger?.contains(eventId: event.eventId)) == true
            if !known { counts.newEvents += 1 }
            if json {
                output.line(
                    Array(event.body.dropLast(1)) + Array(",\"source\":".utf8)
                        + Array((try? ScanRunner.encoder.encode(source)) ?? Data()) + Array("}".utf8),
                    mailbox: mailbox)
            } else if index < batch.gongEvents.count {
                output.line(
                    Array(
                        (EventTextView.render(batch.gongEvents[index], source: source)
                            + (known ? "            (already in the ledger)\n" : "")).utf8), mailbox: mailbox)
            }
        }
        batch = ScanBatch()
    }

    /// Lets the next mailbox's lines through.
    func finish() { output.finish(mailbox: mailbox) }
}
