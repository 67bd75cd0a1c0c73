import Foundation
import GongEngagement
import MailFetching
import MailParsing
import OAuth2Tokens
import ShareDetection
import ShareLedger

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `scan`: reads each mailbox from its checkpoint, records new events in the ledger (each event before any
/// send, each checkpoint only after the events before it), then delivers what is due.
///
/// Mailboxes are read `concurrency` at once (``scanMailboxes(sink:)``), each on its own worker thread; everything
/// the workers share — the pipeline, the ledger, the output sinks, the skip log — is safe to use from several threads.
public final class ScanRunner: @unchecked Sendable {
    /// Options from the command line.
    public struct Options: Sendable {
        /// Print the events and change nothing.
        public var dryRun = false
        /// JSON output (dry-run events, summaries).
        public var json = false
        /// Only errors on standard error.
        public var quiet = false
        /// Ignore checkpoints and the first-run window: read everything.
        public var backfill = false
        /// How long to wait for another run's lock, in seconds.
        public var lockTimeout: TimeInterval = 0
        /// Where to write the run's Prometheus metrics (atomically, at the end), if anywhere.
        public var metricsFile: String?
        /// Mailboxes read at once, overriding the config's `concurrency`.
        public var concurrency: Int?
        /// Whether a progress board may be drawn on standard error: it is, when this is set, standard error is a
        /// terminal, the run is not `--quiet`, and (for a dry run) the events do not go to that terminal too. The
        /// executable sets it for text diagnostics (not for `--log-format json`).
        public var allowsProgress = false
        /// Threads that parse and detect: `nil` for one per core (none on one core), 0 for none (the loop parses
        /// each message itself). The output is the same either way; tests compare them.
        package var detectionThreads: Int?

        /// Defaults.
        public init() {}
    }

    /// Per-mailbox counts.
    public struct MailboxSummary: Sendable, Codable, Equatable {
        /// Mailbox name.
        public var mailbox: String
        /// Messages read from the source.
        public var fetched = 0
        /// Messages parsed.
        public var parsed = 0
        /// Messages skipped (unreadable, invalid event).
        public var skipped = 0
        /// Shares found.
        public var shares = 0
        /// Events new to the ledger.
        public var newEvents = 0
        /// Of those, delivered in this run.
        public var delivered = 0
        /// Why the whole mailbox could not be read, if so.
        public var error: String?
        /// Whether a signal stopped the scan of this mailbox before its end (the rest is read next time).
        public var interrupted = false
        /// Another scanner holds the mailbox's lease (shared ledger): who, so this run left it to them.
        public var scannedElsewhere: String?
    }

    /// The whole run's outcome.
    public struct Summary: Sendable {
        /// Per mailbox.
        public var mailboxes: [MailboxSummary] = []
        /// The delivery pass and what it left (nil in dry-run).
        public var delivery: DeliverySummary?
        /// The mailbox a signal interrupted, if one did.
        public var interruptedIn: String?
        /// The exit status per the product's contract.
        public var exitCode: Int32 = 0
    }

    let config: TeamConfig
    let pipeline: DetectionPipeline
    let options: Options
    let output: OutputSink
    let diagnostics: OutputSink
    /// The first skipped messages' lines, for the `scan --json` summary's errors (workers append under its lock).
    let skipLog = SkipLog()
    /// The terminal progress board, when one is drawn (see ``Options/allowsProgress``).
    let progress: ScanProgress?
    /// Messages per ledger transaction.
    let batchSize = 200
    /// The threads that parse and detect for every stream of the run (`nil`: the loop does it).
    let detectionWorkers: DetectionWorkers?
    /// OAuth 2 access to the IMAP mailboxes: one token cache for the run.
    let access: MailboxAccess

    /// Creates a runner; OAuth 2 token requests go through `tokenTransport` (libcurl by default).
    public init(
        config: TeamConfig, rules: RuleSet, options: Options, output: OutputSink, diagnostics: OutputSink,
        tokenTransport: (any OAuth2Transport)? = nil
    ) {
        self.config = config
        access = MailboxAccess(
            config: config, transport: tokenTransport ?? CurlOAuth2Transport(), diagnostics: diagnostics)
        self.pipeline = DetectionPipeline(config: config, rules: rules)
        self.options = options
        self.output = output
        self.diagnostics = diagnostics
        switch options.detectionThreads {
        case nil: detectionWorkers = DetectionWorkers.forThisMachine()
        case let count?: detectionWorkers = count > 0 ? DetectionWorkers(threads: count) : nil
        }
        let terminal = isatty(STDERR_FILENO) == 1 && (!options.dryRun || isatty(STDOUT_FILENO) == 0)
        progress =
            options.allowsProgress && !options.quiet && terminal
            ? ScanProgress(mailboxes: config.mailboxes.count, sink: diagnostics) : nil
    }

    /// Runs the scan and the delivery.
    public func run() throws(RunFailure) -> Summary {
        try ConfigChecks.requireScannable(config, diagnostics: diagnostics)
        if options.dryRun { return dryRun() }
        let startedAt = Date()
        let session = try DeliverySession.open(
            config: config, lockTimeout: options.lockTimeout, create: true, diagnostics: diagnostics)
        defer { session.close() }
        // Credentials are checked before any mailbox is read: a config error stops the run before it does work.
        let gong = try session.connectGong()
        // The sender starts at once and delivers each batch the scan commits, at the account's pace.
        let board = progress
        let sender = BackgroundDelivery(
            session: session, gong: gong, diagnostics: diagnostics, onDelivered: { board?.deliveredOne() })
        let feed = sender.feed
        let ledger = session.ledger
        var (summary, sinks) = scanMailboxes(leases: session.leases) { _, lease in
            LedgerScanSink(ledger: ledger, feed: feed, lease: lease)
        }
        let report: Deliverer.Report
        do throws(RunFailure) { report = try sender.finish() } catch {
            progress?.close()
            throw error
        }
        var mailboxOfEvent: [String: Int] = [:]
        for (index, sink) in sinks.enumerated() {
            guard let sink,
                let position = summary.mailboxes.firstIndex(where: {
                    $0.mailbox == config.mailboxes[index].name
                })
            else { continue }
            for eventId in sink.inserted { mailboxOfEvent[eventId] = position }
        }
        for eventId in report.deliveredIDs {
            if let index = mailboxOfEvent[eventId] { summary.mailboxes[index].delivered += 1 }
        }
        let delivery = try session.summary(report: report)
        summary.delivery = delivery
        summary.exitCode = max(summary.exitCode, Self.exitCode(summary))
        if RunInterruption.isRequested { summary.exitCode = RunInterruption.exitStatus }
        if let path = options.metricsFile {
            let totals = RunTotals(summary: summary, errors: [])
            do {
                try delivery.metrics(
                    command: "scan", team: config.team, startedAt: startedAt, finishedAt: Date(),
                    exitCode: summary.exitCode,
                    messages: (totals.fetched, totals.parsed, totals.skipped, totals.shares, totals.newEvents)
                ).write(to: path)
            } catch {
                summary.delivery?.problems.append(error.message)
                summary.exitCode = max(summary.exitCode, 1)
            }
        }
        progress?.close()
        printSummary(summary)
        return summary
    }

    static func exitCode(_ summary: Summary) -> Int32 {
        var code: Int32 = 0
        if summary.mailboxes.contains(where: { $0.skipped > 0 || $0.error != nil }) { code = 1 }
        if let delivery = summary.delivery { code = max(code, delivery.exitCode) }
        return code
    }

    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func skip(_ position: MessagePosition, _ reason: String, _ counts: inout MailboxSummary) {
        counts.skipped += 1
        let line = "skipped: \(position.file) message \(position.index) at byte \(position.byteOffset): \(reason)"
        diagnostics.line(
            line, level: .warning,
            metadata: [
                "mailbox": "\(counts.mailbox)", "file": "\(position.file)", "message": "\(position.index)",
                "byteOffset": "\(position.byteOffset)",
            ])
        skipLog.append(line, keepingAtMost: Self.maxSkipLog)
    }
    /// How many skip lines the JSON summary lists (the rest are counted in `skipped`).
    static let maxSkipLog = 100
}

/// The first lines of skipped messages, kept for the JSON summary; safe to append from several threads.
final class SkipLog: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []

    /// Appends `line` unless `limit` lines are kept already.
    func append(_ line: String, keepingAtMost limit: Int) {
        lock.lock()
        defer { lock.unlock() }
        if kept.count < limit { kept.append(line) }
    }

    /// The lines kept.
    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return kept
    }
}
