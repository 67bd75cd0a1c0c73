import Foundation
import GongEngagement
import MailFetching
import MailParsing
import ShareDetection
import ShareLedger

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `scan`: reads each mailbox from its checkpoint, records new events in the ledger (each event before any
/// send, each checkpoint only after the events before it), then delivers what is due.
public final class ScanRunner {
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
    /// Messages per ledger transaction.
    let batchSize = 200

    /// Creates a runner.
    public init(config: TeamConfig, rules: RuleSet, options: Options, output: OutputSink, diagnostics: OutputSink) {
        self.config = config
        self.pipeline = DetectionPipeline(config: config, rules: rules)
        self.options = options
        self.output = output
        self.diagnostics = diagnostics
    }

    /// Runs the scan and the delivery.
    public func run() throws(RunFailure) -> Summary {
        try ConfigChecks.requireScannable(config, diagnostics: diagnostics)
        if options.dryRun { return dryRun() }
        let startedAt = Date()
        let session = try DeliverySession.open(config: config, lockTimeout: options.lockTimeout, create: true)
        defer { session.close() }
        // Credentials are checked before any mailbox is read: a config error stops the run before it does work.
        let gong = try session.connectGong()
        var summary = Summary()
        var mailboxOfEvent: [String: Int] = [:]
        for mailbox in config.mailboxes {
            if RunInterruption.isRequested { break }
            var counts = MailboxSummary(mailbox: mailbox.name)
            do {
                try scan(mailbox, ledger: session.ledger, counts: &counts) { eventId in
                    mailboxOfEvent[eventId] = summary.mailboxes.count
                }
            } catch {
                counts.error = error.message
                summary.exitCode = max(summary.exitCode, error.exitCode)
                diagnostics.line(
                    "share-detector: \(mailbox.name): \(error.message)", level: .error,
                    metadata: ["mailbox": "\(mailbox.name)"])
            }
            if RunInterruption.isRequested {
                counts.interrupted = true
                summary.interruptedIn = mailbox.name
            }
            summary.mailboxes.append(counts)
        }
        let report = try session.deliver(using: gong, diagnostics: diagnostics)
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
        printSummary(summary)
        return summary
    }

    static func exitCode(_ summary: Summary) -> Int32 {
        var code: Int32 = 0
        if summary.mailboxes.contains(where: { $0.skipped > 0 || $0.error != nil }) { code = 1 }
        if let delivery = summary.delivery { code = max(code, delivery.exitCode) }
        return code
    }

    // MARK: Scanning

    /// Reads one mailbox from its checkpoint and commits its events in batches.
    func scan(
        _ mailbox: MailboxConfig, ledger: ShareLedger, counts: inout MailboxSummary, noteEvent: (String) -> Void
    ) throws(RunFailure) {
        switch mailbox.source {
        case .mbox(let path):
            try scanMbox(path: path, mailbox: mailbox.name, ledger: ledger, counts: &counts, noteEvent: noteEvent)
        case .emlFolder(let folder):
            let sources: [any MessageSource]
            do { sources = try MailInputs.open([folder]) } catch {
                throw RunFailure(exitCode: 1, message: error.description)
            }
            var batch = Batch()
            for var source in sources {
                while !RunInterruption.isRequested, let item = source.next() {
                    handle(item, mailbox: mailbox.name, batch: &batch, counts: &counts)
                    if batch.messages >= batchSize {
                        try flush(&batch, checkpoint: nil, key: "", ledger, &counts, noteEvent)
                    }
                }
            }
            try flush(&batch, checkpoint: nil, key: "", ledger, &counts, noteEvent)
        case .imap:
            try scanIMAP(mailbox, ledger: ledger, counts: &counts, noteEvent: noteEvent)
        }
    }

    /// The identity of a file: device, inode, size.
    static func fileIdentity(_ path: String) -> (device: UInt64, inode: UInt64, size: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino), Int64(info.st_size))
    }

    func scanMbox(
        path: String, mailbox: String, ledger: ShareLedger, counts: inout MailboxSummary, noteEvent: (String) -> Void
    ) throws(RunFailure) {
        guard let identity = Self.fileIdentity(path) else {
            throw RunFailure(exitCode: 1, message: "\(path): cannot read the mbox file")
        }
        let key = "mbox:" + path
        var startOffset: UInt64 = 0
        var firstIndex = 0
        if !options.backfill, case .mbox(let checkpoint)? = try? ledger.checkpoint(for: key) {
            if checkpoint.device == identity.device && checkpoint.inode == identity.inode
                && identity.size >= checkpoint.size && identity.size >= checkpoint.offset
            {
                startOffset = UInt64(checkpoint.offset)
                firstIndex = checkpoint.nextIndex
            } else if !options.quiet {
                diagnostics.line("\(mailbox): \(path) was replaced or shrank: reading it again from the start")
            }
        }
        var source: MboxSource
        do { source = try MboxSource(path: path, startOffset: startOffset, firstIndex: firstIndex) } catch {
            throw RunFailure(exitCode: 1, message: error.description)
        }
        var batch = Batch()
        var checkpoint = MboxCheckpoint(
            device: identity.device, inode: identity.inode, size: identity.size, offset: Int64(startOffset),
            nextIndex: firstIndex)
        let progress = Progress(
            enabled: !options.quiet && isatty(STDERR_FILENO) == 1, mailbox: mailbox, sink: diagnostics)
        while !RunInterruption.isRequested, let item = source.next() {
            handle(item, mailbox: mailbox, batch: &batch, counts: &counts)
            // The checkpoint points at the start of the latest message read: the last message of a file may still
            // be being appended to, so it is read again next time (its events are then known: no duplicates).
            switch item {
            case .message(let raw):
                checkpoint.offset = Int64(raw.position.byteOffset)
                checkpoint.nextIndex = raw.position.index
            case .unreadable(let position, _):
                checkpoint.offset = Int64(position.byteOffset)
                checkpoint.nextIndex = position.index
            }
            progress.tick(counts.fetched)
            if batch.messages >= batchSize {
                try flush(&batch, checkpoint: .mbox(checkpoint), key: key, ledger, &counts, noteEvent)
            }
        }
        try flush(&batch, checkpoint: .mbox(checkpoint), key: key, ledger, &counts, noteEvent)
        progress.done()
    }

    /// Events of messages read since the last commit.
    struct Batch {
        var events: [LedgerEvent] = []
        var messages = 0
    }

    /// Parses, detects and validates one message into the batch; a bad message is skipped with its reason.
    func handle(_ item: SourceItem, mailbox: String, batch: inout Batch, counts: inout MailboxSummary) {
        counts.fetched += 1
        batch.messages += 1
        let raw: RawMessage
        switch item {
        case .unreadable(let position, let reason):
            skip(position, reason, &counts)
            return
        case .message(let message):
            raw = message
        }
        let outcome: DetectionPipeline.Outcome
        do { outcome = try pipeline.process(raw, mailbox: mailbox) } catch {
            skip(raw.position, error.description, &counts)
            return
        }
        counts.parsed += 1
        counts.shares += outcome.detection.shares.count
        if let reason = outcome.invalidReason {
            skip(raw.position, reason, &counts)
            return
        }
        var events: [LedgerEvent] = []
        for (event, record) in zip(outcome.gongEvents, outcome.records) {
            guard let body = try? Self.encoder.encode(event) else {
                skip(raw.position, "the event for \(record.content.contentId) cannot be encoded", &counts)
                return
            }
            events.append(
                LedgerEvent(
                    eventId: event.eventId, contentId: record.content.contentId,
                    messageKey: EventBuilder.messageKey(outcome.message), mailbox: mailbox,
                    position: Self.ledgerPosition(raw.position, mailbox: mailbox), body: body,
                    detection: try? Self.encoder.encode(record), api: event.api.rawValue))
        }
        batch.events += events
    }

    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func ledgerPosition(_ position: MessagePosition, mailbox: String) -> SourcePosition {
        if position.file.hasPrefix("imap://") {
            return .imap(folder: position.file, uidValidity: 0, uid: UInt32(clamping: position.index))
        }
        return position.byteOffset == 0 && position.index == 0
            ? .file(path: position.file)
            : .mbox(file: position.file, index: position.index, offset: Int64(position.byteOffset))
    }

    func skip(_ position: MessagePosition, _ reason: String, _ counts: inout MailboxSummary) {
        counts.skipped += 1
        let line = "skipped: \(position.file) message \(position.index) at byte \(position.byteOffset): \(reason)"
        diagnostics.line(
            line, level: .warning,
            metadata: [
                "mailbox": "\(counts.mailbox)", "file": "\(position.file)", "message": "\(position.index)",
                "byteOffset": "\(position.byteOffset)",
            ])
        if skipLog.count < Self.maxSkipLog { skipLog.append(line) }
    }

    /// The first skipped messages' lines, for the `scan --json` summary's errors.
    var skipLog: [String] = []
    /// How many skip lines the JSON summary lists (the rest are counted in `skipped`).
    static let maxSkipLog = 100

    /// Commits the batch's events and the checkpoint in one transaction.
    func flush(
        _ batch: inout Batch, checkpoint: Checkpoint?, key: String, _ ledger: ShareLedger,
        _ counts: inout MailboxSummary, _ noteEvent: (String) -> Void
    ) throws(RunFailure) {
        do {
            let result = try ledger.commit(events: batch.events, checkpoint: checkpoint, for: key)
            counts.newEvents += result.inserted.count
            result.inserted.forEach(noteEvent)
        } catch {
            throw RunFailure(exitCode: 1, message: "cannot record events in the ledger: \(error)")
        }
        batch = Batch()
    }
}
