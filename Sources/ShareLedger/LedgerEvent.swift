import Foundation
import GongEngagement

/// One event as the ledger keeps it: its ids, where it came from, and the exact Gong request body.
public struct LedgerEvent: Sendable, Hashable {
    /// The deterministic Gong `eventId`; the ledger's dedup key.
    public var eventId: String
    /// The canonical content id, e.g. `gdoc:document:<ID>`.
    public var contentId: String
    /// The message's stable key (Message-ID or fingerprint).
    public var messageKey: String
    /// The mailbox (account or file) the message came from.
    public var mailbox: String
    /// Where in the source the message is.
    public var position: SourcePosition
    /// The exact bytes of the Gong request body (JSON); sent as they are, never re-encoded.
    public var body: Data
    /// The detection record (JSON) the body was built from, so `requeue` can rebuild the body with the current
    /// config; `nil` for events recorded before the ledger kept it.
    public var detection: Data?
    /// The Gong API `body` is for.
    public var api: GongAPI

    /// Creates an event record.
    public init(
        eventId: String, contentId: String, messageKey: String, mailbox: String, position: SourcePosition, body: Data,
        detection: Data? = nil, api: GongAPI = .contentShared
    ) {
        self.api = api
        self.eventId = eventId
        self.contentId = contentId
        self.messageKey = messageKey
        self.mailbox = mailbox
        self.position = position
        self.body = body
        self.detection = detection
    }
}

/// Where a message was found, for tracing an event back to its mail.
public enum SourcePosition: Sendable, Hashable {
    /// The `index`-th message of an mbox file, starting at byte `offset`.
    case mbox(file: String, index: Int, offset: Int64)
    /// A message in an IMAP folder.
    case imap(folder: String, uidValidity: UInt32, uid: UInt32)
    /// A single `.eml` file.
    case file(path: String)

    /// The kind as stored: `mbox`, `imap` or `file`.
    public var kind: String {
        switch self {
        case .mbox: "mbox"
        case .imap: "imap"
        case .file: "file"
        }
    }

    /// The stored columns: source name, mbox message index and byte offset, IMAP UIDVALIDITY and UID (each `nil`
    /// where the kind has none). The one mapping both ledgers store.
    var columns: (name: String, index: Int?, offset: Int64?, uidValidity: Int64?, uid: Int64?) {
        switch self {
        case .mbox(let file, let index, let offset): (file, index, offset, nil, nil)
        case .imap(let folder, let uidValidity, let uid): (folder, nil, nil, Int64(uidValidity), Int64(uid))
        case .file(let path): (path, nil, nil, nil, nil)
        }
    }
}

/// What `ShareLedger.commit(events:checkpoint:for:now:)` did.
public struct CommitResult: Sendable, Hashable {
    /// Event ids that were new: inserted with a pending outbox row.
    public var inserted: [String]
    /// Event ids the ledger already knew (the dedup): nothing was written for them.
    public var alreadyKnown: [String]

    /// Creates a result.
    public init(inserted: [String] = [], alreadyKnown: [String] = []) {
        self.inserted = inserted
        self.alreadyKnown = alreadyKnown
    }
}
