import GongEngagement
import MailFetching
import ShareLedger

/// Events of messages read since the last commit, with the message each came from.
struct ScanBatch {
    var events: [LedgerEvent] = []
    /// Where each event's message is (parallel to ``events``), for the dry run's output.
    var sources: [MessagePosition] = []
    /// The request bodies as built (parallel to ``events``): the dry run shows them without decoding what was just
    /// encoded.
    var gongEvents: [GongEvent] = []
    var messages = 0
}
