import MailFetching
import ShareLedger

/// Events of messages read since the last commit, with the message each came from.
struct ScanBatch {
    var events: [LedgerEvent] = []
    /// Where each event's message is (parallel to ``events``), for the dry run's output.
    var sources: [MessagePosition] = []
    var messages = 0
}
