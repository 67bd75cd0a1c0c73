import Foundation
import MailFetching
import ShareLedger

/// A dry run: prints each event a scan would record, marks those the ledger already has, writes nothing. It reads
/// the ledger's cursors (a plain dry run shows what the next scan would record) unless told to ignore them.
struct DryRunScanSink: ScanSink {
    /// The team's ledger, opened read-only, when it exists.
    let ledger: ShareLedger?
    let json: Bool
    let output: OutputSink

    func checkpoint(for key: String) -> Checkpoint? { try? ledger?.checkpoint(for: key) }
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
                    bytes: event.body.dropLast(1) + Array(",\"source\":".utf8)
                        + ((try? ScanRunner.encoder.encode(source)) ?? Data()) + Array("}".utf8))
            } else if index < batch.gongEvents.count {
                output.line(
                    EventTextView.render(batch.gongEvents[index], source: source)
                        + (known ? "            (already in the ledger)\n" : ""))
            }
        }
        batch = ScanBatch()
    }
}
