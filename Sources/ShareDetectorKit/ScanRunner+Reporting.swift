import Foundation
import Logging

extension ScanRunner {
    // MARK: Reporting

    func printSummary(_ summary: Summary) {
        // Causes of undone work: on standard error, also under --quiet.
        var problems: [String] = []
        if summary.interruptedIn != nil {
            let scanning = summary.mailboxes.filter(\.interrupted).map {
                "\($0.mailbox) (after \($0.fetched) messages)"
            }
            problems.append(
                "interrupted by \(RunInterruption.signalName) while scanning \(scanning.joined(separator: ", ")): "
                    + (options.dryRun
                        ? "the dry run's events and counts are incomplete (nothing was recorded)"
                        : "what was read is recorded and its checkpoint saved; the next run goes on from there"))
        }
        problems += summary.delivery?.problems ?? []
        let level: Logger.Level = summary.exitCode >= 2 && summary.exitCode < 128 ? .error : .warning
        for problem in problems {
            diagnostics.line("share-detector: \(problem)", level: level, metadata: ["team": "\(config.team)"])
        }
        if options.json && !options.dryRun {
            for mailbox in summary.mailboxes { output.line(bytes: (try? Self.encoder.encode(mailbox)) ?? Data()) }
            let errors = summary.mailboxes.compactMap { mailbox in mailbox.error.map { "\(mailbox.mailbox): \($0)" } }
            let total = RunTotals(summary: summary, errors: errors + problems + skipLog.lines)
            output.line(bytes: (try? Self.encoder.encode(["summary": total])) ?? Data())
            return
        }
        let sink = options.dryRun ? diagnostics : output
        for mailbox in summary.mailboxes {
            if let error = mailbox.error {
                sink.line("\(mailbox.mailbox): not scanned: \(error)")
                continue
            }
            if let holder = mailbox.scannedElsewhere {
                if !options.quiet { sink.line("\(mailbox.mailbox): being scanned by \(holder); left to it") }
                continue
            }
            if options.quiet { continue }
            sink.line(
                "\(mailbox.mailbox): \(mailbox.fetched) fetched, \(mailbox.parsed) parsed, \(mailbox.skipped) skipped, "
                    + "\(mailbox.shares) shares, \(mailbox.newEvents) new events"
                    + (options.dryRun ? " (dry run: nothing recorded or sent)" : ", \(mailbox.delivered) delivered"))
        }
        if let delivery = summary.delivery, !options.quiet { sink.line(delivery.line) }
    }

    /// The last object of `scan --json`: the whole run's totals, the delivery summary and every error.
    struct RunTotals: Encodable {
        var mailboxes: Int
        var fetched: Int
        var parsed: Int
        var skipped: Int
        var shares: Int
        var newEvents: Int
        var delivery: DeliverySummary?
        var errors: [String]
        var exitCode: Int32

        init(summary: Summary, errors: [String]) {
            mailboxes = summary.mailboxes.count
            fetched = summary.mailboxes.reduce(0) { $0 + $1.fetched }
            parsed = summary.mailboxes.reduce(0) { $0 + $1.parsed }
            skipped = summary.mailboxes.reduce(0) { $0 + $1.skipped }
            shares = summary.mailboxes.reduce(0) { $0 + $1.shares }
            newEvents = summary.mailboxes.reduce(0) { $0 + $1.newEvents }
            delivery = summary.delivery
            self.errors = errors
            exitCode = summary.exitCode
        }
    }
}
