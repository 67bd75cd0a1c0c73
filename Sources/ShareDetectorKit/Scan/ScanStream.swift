import MailFetching
import ShareLedger

/// One resumable stream of a mailbox's messages — an mbox file, a folder of `.eml` files, an IMAP folder — with a
/// typed ledger position per message and a storable resume cursor.
///
/// The scan loop (``ScanRunner/scan(_:into:counts:)``) is the same for every kind, for a real scan and a dry run;
/// adding a source kind means a stream, its config, and a case in ``ScanRunner/streams(of:)``.
protocol ScanStream {
    /// The checkpoint key in the ledger, or `nil` for a stream without a cursor (a folder of `.eml` files: the
    /// ledger's deduplication is its memory).
    var checkpointKey: String? { get }
    /// A short, secret-free name for reports (a path, or `mailbox/folder`).
    var name: String { get }
    /// Opens the stream at a stored cursor (`nil`: from the start, or the first-run window); returns notes for
    /// the user (a file replaced, a UIDVALIDITY change).
    mutating func open(at checkpoint: Checkpoint?) throws(ScanStreamError) -> [String]
    /// The next message, or `nil` at the end.
    mutating func next() throws(ScanStreamError) -> SourceItem?
    /// Where a message this stream returned is, for the ledger (mbox offset, `.eml` path, IMAP UIDVALIDITY + UID).
    func ledgerPosition(of position: MessagePosition) -> SourcePosition
    /// The cursor that goes with the events of the messages returned so far; `nil` while nothing can be stored.
    var cursor: Checkpoint? { get }
    /// Called once the stream is read to its end (not after an interruption): an IMAP folder's cursor moves past
    /// every UID below UIDNEXT.
    mutating func finish()
    /// Releases the stream (closes a connection).
    func close()
}
