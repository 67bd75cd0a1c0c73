import GongEngagement
import MailFetching
import ShareLedger

/// What one message the scan loop read came to: worked out on any thread (``ScanRunner/detect(_:mailbox:at:records:)``),
/// then applied to its mailbox's batch and counts in reading order (``ScanRunner/apply(_:to:counts:)``).
struct MessageOutcome: Sendable {
    /// What became of the message.
    enum Verdict: Sendable {
        /// Not parsed (unreadable, or not a message), with the reason.
        case unparsed(String)
        /// Parsed, with its shares, but its events cannot be posted (invalid or not encodable), with the reason.
        case rejected(shares: Int, reason: String)
        /// Parsed, with its shares' events for the ledger and the request bodies as built.
        case events(shares: Int, [LedgerEvent], [GongEvent])
    }

    /// Where the message is in its source.
    var position: MessagePosition
    /// What became of it.
    var verdict: Verdict
}
