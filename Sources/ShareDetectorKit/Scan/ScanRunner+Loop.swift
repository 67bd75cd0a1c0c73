import Foundation
import MailFetching
import ShareLedger

#if canImport(Glibc)
    import Glibc
#endif

extension ScanRunner {
    // MARK: The scan loop

    /// The streams of a mailbox: its mbox file, its `.eml` folder, or one per IMAP folder.
    func streams(of mailbox: MailboxConfig) throws(RunFailure) -> [any ScanStream] {
        switch mailbox.source {
        case .mbox(let path): return [MboxScanStream(path: path)]
        case .emlFolder(let path): return [EMLScanStream(path: path)]
        case .imap(let settings):
            let account = try imapAccount(settings, mailbox: mailbox.name)
            let folders: [String?] = settings.folders.isEmpty ? [nil] : settings.folders.map { Optional($0) }
            let since = imapWindowStart(settings)
            let diagnostics = diagnostics
            let name = mailbox.name
            var options = IMAPFetchOptions()
            options.partial = !settings.fetchWholeMessages
            // Each folder is read ahead on a thread of its own while the loop parses and detects.
            return folders.map { folder in
                PrefetchingScanStream(
                    IMAPScanStream(
                        account: account, mailbox: name, folder: folder, since: since, options: options,
                        onWarning: { message in
                            diagnostics.line(
                                "share-detector: \(message)", level: .warning, metadata: ["mailbox": "\(name)"])
                        }))
            }
        }
    }

    /// Reads one mailbox, every stream from its cursor (from the start with `--backfill`), into the sink: the one
    /// loop of `scan` and `scan --dry-run`, for every source kind.
    ///
    /// Messages are parsed and detected on the run's ``DetectionWorkers`` while the loop reads on; their outcomes are
    /// applied in reading order, so the events, counts and output are those of a one-thread read. A cursor is handed
    /// to the sink only with the events of the messages before it (a real scan commits both in one transaction). A
    /// stream that fails keeps what it read; an account failure (login refused, server unreachable) stops the mailbox
    /// with exit status 3, any other failure is reported and the next stream is read (exit 1).
    func scan(_ mailbox: MailboxConfig, into sink: inout some ScanSink, counts: inout MailboxSummary) throws(RunFailure)
    {
        try read(try streams(of: mailbox), mailbox: mailbox.name, into: &sink, counts: &counts)
    }

    /// The loop of ``scan(_:into:counts:)`` over the given streams of the mailbox named `name`.
    func read(
        _ streams: [any ScanStream], mailbox name: String, into sink: inout some ScanSink,
        counts: inout MailboxSummary
    ) throws(RunFailure) {
        var failures: [String] = []
        let records = sink.keepsDetectionRecords
        for var stream in streams {
            // Interrupted means: something of this mailbox was left unread (not merely: a signal came afterwards).
            if RunInterruption.isRequested {
                counts.interrupted = true
                break
            }
            var known: Checkpoint?
            if !options.backfill, let key = stream.checkpointKey { known = try sink.checkpoint(for: key) }
            var batch = ScanBatch()
            // Messages go to the workers in small groups (one hand-over, one wake-up each), results come back as
            // groups in reading order, each message's outcome with the cursor right after it.
            let outcomes = InOrderResults<[(MessageOutcome, Checkpoint?)]>(workers: detectionWorkers)
            var group: [(SourceItem, SourcePosition, Checkpoint?)] = []
            var groupBytes = 0
            /// The cursor that goes with the outcomes applied so far.
            var cursor: Checkpoint?
            let key = stream.checkpointKey
            func submitGroup() {
                guard !group.isEmpty else { return }
                let items = group
                outcomes.submit(weight: groupBytes) { [self] in
                    items.map { item, position, after in
                        (detect(item, mailbox: name, at: position, records: records), after)
                    }
                }
                group.removeAll(keepingCapacity: true)
                groupBytes = 0
            }
            func apply(_ results: [(MessageOutcome, Checkpoint?)]) throws(RunFailure) {
                for (outcome, after) in results {
                    self.apply(outcome, to: &batch, counts: &counts)
                    cursor = after
                    progress?.update(counts)
                    if batch.messages >= batchSize || sink.commitsEachMessage {
                        try sink.commit(&batch, cursor: cursor, key: key, counts: &counts)
                    }
                }
            }
            /// Applies every outcome still out (what was read is kept, whatever stops the stream).
            func drain() throws(RunFailure) {
                submitGroup()
                while let results = outcomes.takeNext() { try apply(results) }
            }
            do throws(any Error) {
                for note in try stream.open(at: known) where !options.quiet {
                    diagnostics.line("\(name): \(note)")
                }
                cursor = stream.cursor
                while true {
                    if RunInterruption.isRequested {
                        counts.interrupted = true
                        break
                    }
                    guard let item = try stream.next() else { break }
                    // The cursor after this item goes with its outcome: committed only once the item is applied.
                    group.append((item, stream.ledgerPosition(of: item.position), stream.cursor))
                    groupBytes += item.byteCount
                    if group.count >= Self.detectionGroupSize || groupBytes >= Self.detectionGroupBytes {
                        submitGroup()
                    }
                    while outcomes.isFull, let results = outcomes.takeNext() { try apply(results) }
                    while let results = outcomes.takeReady() { try apply(results) }
                }
                try drain()
                if !counts.interrupted {
                    stream.finish()
                    cursor = stream.cursor
                }
                try sink.commit(&batch, cursor: cursor, key: key, counts: &counts)
            } catch let error as ScanStreamError {
                // Keep what was read before the failure.
                try drain()
                stream.close()
                try sink.commit(&batch, cursor: cursor, key: key, counts: &counts)
                if error.stopsMailbox { throw RunFailure(exitCode: 3, message: error.message) }
                // Said once, with the mailbox's other failures, when the mailbox ends (see noteFailure).
                failures.append(error.message)
                continue
            } catch let error as RunFailure {
                stream.close()
                throw error
            } catch {
                stream.close()
                throw RunFailure(exitCode: 1, message: "\(stream.name): \(error)")
            }
            stream.close()
        }
        if !failures.isEmpty { throw RunFailure(exitCode: 1, message: failures.joined(separator: "; ")) }
    }

    /// Messages handed to a detection worker at once (fewer hand-overs and wake-ups than one at a time).
    static let detectionGroupSize = 8
    /// A group is handed over early once its messages reach this size.
    static let detectionGroupBytes = 1 << 20

    /// Parses, detects and validates one message, and encodes its events (with `records`, each with its detection
    /// record, what the ledger keeps). Touches nothing shared: it runs on any thread.
    func detect(_ item: SourceItem, mailbox: String, at ledgerPosition: SourcePosition, records: Bool)
        -> MessageOutcome
    {
        let raw: RawMessage
        switch item {
        case .unreadable(let position, let reason):
            return MessageOutcome(position: position, verdict: .unparsed(reason))
        case .message(let message):
            raw = message
        }
        let outcome: DetectionPipeline.Outcome
        do { outcome = try pipeline.process(raw, mailbox: mailbox) } catch {
            return MessageOutcome(position: raw.position, verdict: .unparsed(error.description))
        }
        let shares = outcome.detection.shares.count
        if let reason = outcome.invalidReason {
            return MessageOutcome(position: raw.position, verdict: .rejected(shares: shares, reason: reason))
        }
        var events: [LedgerEvent] = []
        for (event, record) in zip(outcome.gongEvents, outcome.records) {
            // The detection record is what `requeue` rebuilds the event from: one that cannot be stored is as much a
            // reason to skip the message, out loud, as an event that cannot be encoded.
            guard let body = try? Self.encoder.encode(event),
                let detection = records ? try? Self.encoder.encode(record) : Data()
            else {
                return MessageOutcome(
                    position: raw.position,
                    verdict: .rejected(
                        shares: shares, reason: "the event for \(record.content.contentId) cannot be encoded"))
            }
            events.append(
                LedgerEvent(
                    eventId: event.eventId, contentId: record.content.contentId,
                    messageKey: EventBuilder.messageKey(outcome.message), mailbox: mailbox,
                    position: ledgerPosition, body: body, detection: records ? detection : nil, api: event.api))
        }
        return MessageOutcome(position: raw.position, verdict: .events(shares: shares, events, outcome.gongEvents))
    }

    /// Adds one message's outcome to the batch and the counts; a message that cannot be posted is skipped with its
    /// reason.
    func apply(_ outcome: MessageOutcome, to batch: inout ScanBatch, counts: inout MailboxSummary) {
        counts.fetched += 1
        batch.messages += 1
        switch outcome.verdict {
        case .unparsed(let reason):
            skip(outcome.position, reason, &counts)
        case .rejected(let shares, let reason):
            counts.parsed += 1
            counts.shares += shares
            skip(outcome.position, reason, &counts)
        case .events(let shares, let events, let gongEvents):
            counts.parsed += 1
            counts.shares += shares
            batch.events += events
            batch.gongEvents += gongEvents
            batch.sources += Array(repeating: outcome.position, count: events.count)
        }
    }
}

extension SourceItem {
    /// The bytes of the message (0 for an unreadable one): the weight of its detection job.
    fileprivate var byteCount: Int {
        switch self {
        case .message(let raw): raw.bytes.count
        case .unreadable: 0
        }
    }

    /// Where the message is.
    fileprivate var position: MessagePosition {
        switch self {
        case .message(let raw): raw.position
        case .unreadable(let position, _): position
        }
    }
}
