import Foundation
import ShareLedger

extension ScanRunner {
    // MARK: Mailboxes in parallel

    /// How many mailboxes are read at once: `--concurrency`, else the config's `concurrency`.
    var concurrency: Int { options.concurrency ?? config.concurrency }

    /// Reads every mailbox of the config, `concurrency` at once and at most `imap.maxConnectionsPerHost` per IMAP
    /// server, each into its own sink from `makeSink` (given the mailbox's config index); one mailbox's failure never
    /// stops the others.
    ///
    /// With `leases` (a shared ledger), a mailbox is read only under its lease; one another scanner holds is left to
    /// it (`scannedElsewhere`), not an error.
    ///
    /// Returns the summary (mailboxes in config order; those a signal kept from starting are left out, as a
    /// sequential run leaves them) and each mailbox's sink, by config index.
    func scanMailboxes<Sink: ScanSink & Sendable>(
        leases: MailboxLeaseKeeper? = nil, sink makeSink: @escaping @Sendable (Int, MailboxLease?) -> Sink
    ) -> (Summary, [Sink?]) {
        let mailboxes = config.mailboxes
        let hosts: [String?] = mailboxes.map { mailbox in
            guard case .imap(let settings) = mailbox.source else { return nil }
            let host = MailboxSchedule.host(ofURL: settings.url)
            // Gmail and Microsoft 365 limit connections per account, not per server.
            return settings.provider.limitsConnectionsPerAccount ? "\(host)/\(settings.username.lowercased())" : host
        }
        let results = MailboxResults<Sink>(count: mailboxes.count)
        progress?.show()
        let pool = MailboxPool(
            hosts: hosts, concurrency: concurrency, maxPerHost: config.imapMaxConnectionsPerHost)
        pool.run(stop: { RunInterruption.isRequested }) { [self] index in
            let mailbox = mailboxes[index]
            var counts = MailboxSummary(mailbox: mailbox.name)
            var failure: RunFailure?
            var lease: MailboxLease?
            if let leases {
                do throws(RunFailure) {
                    switch try leases.acquire(mailbox.name) {
                    case .acquired(let granted): lease = granted
                    case .heldBy(let other):
                        counts.scannedElsewhere = "\(other.holder) since \(StatusReport.iso(other.acquiredAt))"
                        diagnostics.line(
                            "\(mailbox.name): being scanned by \(other.holder); left to it", level: .debug,
                            metadata: ["mailbox": "\(mailbox.name)"])
                        results.store(index, counts: counts, sink: nil, failure: nil)
                        return
                    }
                } catch {
                    counts.error = error.message
                    diagnostics.line(
                        "share-detector: \(mailbox.name): \(error.message)", level: .error,
                        metadata: ["mailbox": "\(mailbox.name)"])
                    results.store(index, counts: counts, sink: nil, failure: error)
                    return
                }
            }
            defer { if let lease { leases?.release(lease) } }
            var sink = makeSink(index, lease)
            diagnostics.line("\(mailbox.name): scan started", level: .debug, metadata: ["mailbox": "\(mailbox.name)"])
            progress?.started(mailbox.name)
            do throws(RunFailure) { try scan(mailbox, into: &sink, counts: &counts) } catch {
                counts.error = error.message
                failure = error
                diagnostics.line(
                    "share-detector: \(mailbox.name): \(error.message)", level: .error,
                    metadata: ["mailbox": "\(mailbox.name)"])
            }
            diagnostics.line(
                "\(mailbox.name): scan finished (\(counts.fetched) fetched, \(counts.newEvents) new events)",
                level: .debug, metadata: ["mailbox": "\(mailbox.name)"])
            progress?.finished(counts)
            sink.finish()
            results.store(index, counts: counts, sink: sink, failure: failure)
        }
        var summary = Summary()
        for (counts, failure) in results.outcomes {
            summary.mailboxes.append(counts)
            if let failure { summary.exitCode = max(summary.exitCode, failure.exitCode) }
            if counts.interrupted, summary.interruptedIn == nil { summary.interruptedIn = counts.mailbox }
        }
        return (summary, results.sinks)
    }
}

/// What each mailbox's worker left: counts, sink and failure, by config index (workers store under a lock).
private final class MailboxResults<Sink: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [ScanRunner.MailboxSummary?]
    private var failures: [RunFailure?]
    private(set) var sinks: [Sink?]

    init(count: Int) {
        counts = Array(repeating: nil, count: count)
        failures = Array(repeating: nil, count: count)
        sinks = Array(repeating: nil, count: count)
    }

    func store(_ index: Int, counts: ScanRunner.MailboxSummary, sink: Sink?, failure: RunFailure?) {
        lock.lock()
        defer { lock.unlock() }
        self.counts[index] = counts
        sinks[index] = sink
        failures[index] = failure
    }

    /// The mailboxes that ran, in config order, with their failures.
    var outcomes: [(ScanRunner.MailboxSummary, RunFailure?)] {
        lock.lock()
        defer { lock.unlock() }
        return zip(counts, failures).compactMap { counts, failure in counts.map { ($0, failure) } }
    }
}
