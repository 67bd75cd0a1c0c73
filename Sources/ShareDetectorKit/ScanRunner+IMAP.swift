import Foundation
import MailFetching
import ShareLedger

extension ScanRunner {
    /// The IMAP account of a mailbox, its secret resolved.
    func imapAccount(_ settings: IMAPSettings, mailbox: String) throws(RunFailure) -> IMAPAccount {
        let credential: IMAPCredential
        do {
            if let token = settings.oauth2Token {
                credential = .oauth2Token(try config.resolve(token))
            } else if let password = settings.password {
                credential = .password(try config.resolve(password))
            } else {
                throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): no password or oauth2Token")
            }
        } catch let error as SecretError {
            throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): \(error)")
        } catch let error as RunFailure {
            throw error
        } catch {
            throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): the secret cannot be read")
        }
        return IMAPAccount(
            url: settings.url, username: settings.username, credential: credential, caFile: settings.caFile,
            allowInsecure: settings.allowInsecure)
    }

    /// The window a first run (or a UIDVALIDITY change) reads: `since:` or the last `lastDays` days.
    func imapWindowStart(_ settings: IMAPSettings) -> Date? {
        if options.backfill { return nil }
        if let since = settings.since {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            if let date = formatter.date(from: since) { return date }
        }
        return Date().addingTimeInterval(-Double(settings.lastDays) * 86_400)
    }

    /// Scans an IMAP mailbox, folder by folder, each from its checkpoint (UIDVALIDITY, last UID).
    ///
    /// A checkpoint advances only with the events of the messages before it (one ledger transaction per batch). A
    /// server that cannot be reached or refuses the login ends the mailbox with exit status 3; a folder problem
    /// (a missing folder) is reported and the next folder is read.
    func scanIMAP(
        _ mailbox: MailboxConfig, ledger: ShareLedger, counts: inout MailboxSummary, noteEvent: (String) -> Void
    ) throws(RunFailure) {
        guard case .imap(let settings) = mailbox.source else { return }
        let account = try imapAccount(settings, mailbox: mailbox.name)
        let folders: [String?] = settings.folders.isEmpty ? [nil] : settings.folders.map { Optional($0) }
        var folderErrors: [String] = []
        for folder in folders {
            if RunInterruption.isRequested { break }
            let key = "imap:\(mailbox.name)/\(folder ?? "\\Sent")"
            var known: IMAPCheckpoint?
            if !options.backfill, case .imap(let checkpoint)? = try? ledger.checkpoint(for: key) { known = checkpoint }
            let source = IMAPFolderSource(
                account: account, folder: folder, startAfterUID: known?.lastUID,
                knownUIDValidity: known?.uidValidity, since: imapWindowStart(settings),
                onWarning: { [diagnostics] message in
                    diagnostics.line(
                        "share-detector: \(message)", level: .warning, metadata: ["mailbox": "\(mailbox.name)"])
                })
            var batch = Batch()
            var checkpoint = known ?? IMAPCheckpoint(uidValidity: 0, lastUID: 0)
            let progress = Progress(
                enabled: !options.quiet && isatty(STDERR_FILENO) == 1, mailbox: mailbox.name, sink: diagnostics)
            do {
                let status = try source.open()
                if status.uidValidityChanged && !options.quiet {
                    diagnostics.line(
                        "\(mailbox.name): \(source.name): UIDVALIDITY changed: reading the window again "
                            + "(events already recorded are not sent twice)")
                }
                if checkpoint.uidValidity != status.uidValidity {
                    checkpoint = IMAPCheckpoint(uidValidity: status.uidValidity, lastUID: 0)
                }
                while !RunInterruption.isRequested, let item = try source.nextItem() {
                    let before = batch.events.count
                    handle(item, mailbox: mailbox.name, batch: &batch, counts: &counts)
                    if case .message(let raw) = item {
                        for index in before..<batch.events.count {
                            batch.events[index].position = .imap(
                                folder: source.name, uidValidity: status.uidValidity,
                                uid: UInt32(clamping: raw.position.index))
                        }
                    }
                    if let resume = source.resumeUID { checkpoint.lastUID = max(checkpoint.lastUID, resume) }
                    progress.tick(counts.fetched)
                    if batch.messages >= batchSize {
                        try flush(&batch, checkpoint: .imap(checkpoint), key: key, ledger, &counts, noteEvent)
                    }
                }
                // Every UID below UIDNEXT (as of EXAMINE) was either read or outside the window.
                // (Not when a signal stopped the loop early: the rest is read next time.)
                if !RunInterruption.isRequested, let next = status.uidNext, next > 0 {
                    checkpoint.lastUID = max(checkpoint.lastUID, next - 1)
                }
                try flush(&batch, checkpoint: .imap(checkpoint), key: key, ledger, &counts, noteEvent)
                source.close()
            } catch let error as IMAPError {
                // Keep what was read before the failure.
                try flush(
                    &batch, checkpoint: checkpoint.uidValidity == 0 ? nil : .imap(checkpoint), key: key, ledger,
                    &counts, noteEvent)
                source.close()
                if error.isAccountFailure {
                    throw RunFailure(exitCode: 3, message: "\(source.name): \(error)")
                }
                folderErrors.append("\(source.name): \(error)")
                diagnostics.line(
                    "share-detector: \(mailbox.name): \(source.name): \(error)", level: .error,
                    metadata: ["mailbox": "\(mailbox.name)", "folder": "\(source.name)"])
            } catch let error as RunFailure {
                source.close()
                throw error
            } catch {
                source.close()
                throw RunFailure(exitCode: 1, message: "\(source.name): \(error)")
            }
        }
        if !folderErrors.isEmpty {
            throw RunFailure(exitCode: 1, message: folderErrors.joined(separator: "; "))
        }
    }
}
