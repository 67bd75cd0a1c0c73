import Foundation
import GongEngagement
import MailFetching
import ShareDetection
import ShareLedger

extension ScanRunner {
    // MARK: Dry run

    /// Prints the events a scan would record, marking those the ledger already has; writes nothing. The same loop
    /// as a real scan, over every source kind (IMAP included), from the ledger's cursors — or, with `--backfill`,
    /// over everything, ignoring them (a shadow run). The event ids are those a real scan records.
    func dryRun() -> Summary {
        var ledger: (any LedgerStore)?
        do throws(RunFailure) { ledger = try LedgerAccess.open(config, mode: .readOnly) } catch {
            diagnostics.line(
                "share-detector: \(error.message): the dry run reads every mailbox from the start and shows every "
                    + "event as new",
                level: .warning)
        }
        let (json, reader) = (options.json, ledger)
        // Events in config order, whatever order the mailboxes finish in: dry runs can be compared with diff.
        let ordered = MailboxOrderedOutput(output: output)
        var (summary, _) = scanMailboxes { index, _ in
            DryRunScanSink(ledger: reader, json: json, output: ordered, mailbox: index)
        }
        ordered.finishAll()
        summary.exitCode = max(summary.exitCode, Self.exitCode(summary))
        if RunInterruption.isRequested { summary.exitCode = RunInterruption.exitStatus }
        progress?.close()
        printSummary(summary)
        return summary
    }
}
