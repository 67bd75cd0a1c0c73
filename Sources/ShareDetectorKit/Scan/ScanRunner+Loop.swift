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
    /// A cursor is handed to the sink only with the events of the messages before it (a real scan commits both in one
    /// transaction). A stream that fails keeps what it read; an account failure (login refused, server unreachable)
    /// stops the mailbox with exit status 3, any other failure is reported and the next stream is read (exit 1).
    func scan(_ mailbox: MailboxConfig, into sink: inout some ScanSink, counts: inout MailboxSummary) throws(RunFailure)
    {
        var failures: [String] = []
        for var stream in try streams(of: mailbox) {
            // Interrupted means: something of this mailbox was left unread (not merely: a signal came afterwards).
            if RunInterruption.isRequested {
                counts.interrupted = true
                break
            }
            var known: Checkpoint?
            if !options.backfill, let key = stream.checkpointKey { known = try sink.checkpoint(for: key) }
            var batch = ScanBatch()
            do {
                for note in try stream.open(at: known) where !options.quiet {
                    diagnostics.line("\(mailbox.name): \(note)")
                }
                while true {
                    if RunInterruption.isRequested {
                        counts.interrupted = true
                        break
                    }
                    guard let item = try stream.next() else { break }
                    handle(
                        item, mailbox: mailbox.name, stream: stream, records: sink.keepsDetectionRecords,
                        batch: &batch, counts: &counts)
                    progress?.update(counts)
                    if batch.messages >= batchSize || sink.commitsEachMessage {
                        try sink.commit(&batch, cursor: stream.cursor, key: stream.checkpointKey, counts: &counts)
                    }
                }
                if !counts.interrupted { stream.finish() }
                try sink.commit(&batch, cursor: stream.cursor, key: stream.checkpointKey, counts: &counts)
            } catch let error as ScanStreamError {
                // Keep what was read before the failure.
                stream.close()
                try sink.commit(&batch, cursor: stream.cursor, key: stream.checkpointKey, counts: &counts)
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

    /// Parses, detects and validates one message into the batch; a bad message is skipped with its reason. With
    /// `records`, each event carries its encoded detection record (what the ledger keeps).
    func handle(
        _ item: SourceItem, mailbox: String, stream: some ScanStream, records: Bool, batch: inout ScanBatch,
        counts: inout MailboxSummary
    ) {
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
                    position: stream.ledgerPosition(of: raw.position), body: body,
                    detection: records ? try? Self.encoder.encode(record) : nil, api: event.api.rawValue))
        }
        batch.events += events
        batch.gongEvents += outcome.gongEvents
        batch.sources += Array(repeating: raw.position, count: events.count)
    }
}
