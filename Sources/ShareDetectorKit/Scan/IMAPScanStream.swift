import Foundation
import MailFetching
import ShareLedger

/// One IMAP folder, resumed above the last UID read while UIDVALIDITY is unchanged (see ``IMAPCheckpoint``).
final class IMAPScanStream: ScanStream {
    let mailbox: String
    let folder: String?
    private let account: IMAPAccount
    private let since: Date?
    private let options: IMAPFetchOptions
    private let onWarning: @Sendable (String) -> Void
    private var source: IMAPFolderSource?
    private var status: IMAPFolderStatus?
    private(set) var cursor: Checkpoint?

    init(
        account: IMAPAccount, mailbox: String, folder: String?, since: Date?, options: IMAPFetchOptions,
        onWarning: @escaping @Sendable (String) -> Void
    ) {
        self.options = options
        self.account = account
        self.mailbox = mailbox
        self.folder = folder
        self.since = since
        self.onWarning = onWarning
    }

    var checkpointKey: String? { "imap:\(mailbox)/\(folder ?? "\\Sent")" }
    var name: String { source?.name ?? "\(mailbox)/\(folder ?? "\\Sent")" }

    func open(at checkpoint: Checkpoint?) throws(ScanStreamError) -> [String] {
        var known: IMAPCheckpoint?
        if case .imap(let value)? = checkpoint { known = value }
        let source = IMAPFolderSource(
            account: account, folder: folder, startAfterUID: known?.lastUID, knownUIDValidity: known?.uidValidity,
            since: since, options: options, onWarning: onWarning)
        self.source = source
        let status: IMAPFolderStatus
        do { status = try source.open() } catch { throw Self.failure(error, name: source.name) }
        self.status = status
        var notes: [String] = []
        if status.uidValidityChanged {
            notes.append(
                "\(source.name): UIDVALIDITY changed: reading the window again (events already recorded are not "
                    + "sent twice)")
        }
        if let known, known.uidValidity == status.uidValidity {
            cursor = .imap(known)
        } else {
            cursor = .imap(IMAPCheckpoint(uidValidity: status.uidValidity, lastUID: 0))
        }
        return notes
    }

    func next() throws(ScanStreamError) -> SourceItem? {
        guard let source else { return nil }
        let item: SourceItem?
        do { item = try source.nextItem() } catch { throw Self.failure(error, name: source.name) }
        if let resume = source.resumeUID, case .imap(var checkpoint)? = cursor {
            checkpoint.lastUID = max(checkpoint.lastUID, resume)
            cursor = .imap(checkpoint)
        }
        return item
    }

    func ledgerPosition(of position: MessagePosition) -> SourcePosition {
        .imap(
            folder: source?.name ?? position.file, uidValidity: status?.uidValidity ?? 0,
            uid: UInt32(clamping: position.index))
    }

    /// Every UID below UIDNEXT (as of EXAMINE) was either read or outside the window.
    func finish() {
        if let next = status?.uidNext, next > 0, case .imap(var checkpoint)? = cursor {
            checkpoint.lastUID = max(checkpoint.lastUID, next - 1)
            cursor = .imap(checkpoint)
        }
    }

    /// Logs out; after a signal, just closes (a LOGOUT would first drain every FETCH still in flight).
    func close() { source?.close(loggingOut: !RunInterruption.isRequested) }

    private static func failure(_ error: IMAPError, name: String) -> ScanStreamError {
        ScanStreamError(message: "\(name): \(error)", stopsMailbox: error.isAccountFailure)
    }
}
