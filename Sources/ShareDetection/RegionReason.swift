/// Why a link got its region; rendered for `--explain` only when a link is kept.
enum RegionReason: Sendable, Equatable {
    /// Plain new text.
    case newText
    /// New text in an inline / bottom-posted reply, below the attribution at this byte.
    case inlineReply(Int)
    /// Inside a quote container (Gmail's `div.gmail_quote`) opened at this byte, after one of its
    /// `blockquote`s: the sender's inline reply.
    case inlineReplyElement(String, Int)
    /// The sender's inline comment in the quoted message, marked with their name or initials in brackets
    /// (Outlook's "Mark my comments with"), at this byte.
    case markedComment(Int)
    /// A `>` line in a fresh message that no attribution introduces: the sender's own quote.
    case selfQuote
    /// A quote element of a fresh message (described by the text) at this byte: the sender's own quote.
    case selfQuoteElement(String, Int)
    /// A line that starts with `>`.
    case quotePrefix
    /// Below an "On … wrote:" attribution at this byte.
    case attribution(Int)
    /// Below an Outlook reply header block at this byte (`forward`: under a forward subject).
    case replyHeader(Int, forward: Bool)
    /// Below an "-----Original Message-----" separator at this byte.
    case originalMessage(Int, forward: Bool)
    /// Below a forwarded-message marker at this byte.
    case forwardMarker(Int)
    /// After a `-- ` signature delimiter at this byte.
    case signatureDelimiter(Int)
    /// Below a mailing-list or legal footer at this byte.
    case boilerplate(Int)
    /// Below a sign-off ("Best,", "Thanks, Omar") followed by name lines, at this byte: a signature
    /// without the `-- ` delimiter.
    case signOff(Int)
    /// At a mobile client's signature line ("Sent from my iPhone") at this byte.
    case mobileSignature(Int)
    /// After a signature marker element (Outlook's `<a name=_MailAutoSig>`) at this byte.
    case signatureElement(String, Int)
    /// Inside an HTML element described by the text (e.g. `<div class=gmail_quote>`) opened at this byte.
    case insideElement(String, Int)
    /// Inside a quote element that starts with a forwarded-message marker.
    case forwardedElement(String, Int)
    /// After an HTML element that starts the reply history (e.g. `<div id=divRplyFwdMsg>`).
    case afterElement(String, Int, forward: Bool)

    /// Whether this is the sender's marked comment inside quoted text.
    var isMarkedComment: Bool {
        if case .markedComment = self { return true }
        return false
    }

    /// The human-readable reason.
    var text: String {
        switch self {
        case .newText: return "new text"
        case .inlineReply(let at): return "new text between quotes (inline reply below attribution at byte \(at))"
        case .inlineReplyElement(let element, let at):
            return "new text between quotes (inline reply inside \(element) at byte \(at), outside its blockquotes)"
        case .markedComment(let at): return "the sender's inline comment marked with their name (byte \(at))"
        case .selfQuote:
            return "a '>' line in a fresh message (no Re:, In-Reply-To or attribution): the sender's own quote"
        case .selfQuoteElement(let element, let at):
            return
                "inside \(element) (byte \(at)) of a fresh message (no Re:, In-Reply-To or attribution): the sender's own quote"
        case .quotePrefix: return "line starts with '>'"
        case .attribution(let at): return "below \"On … wrote:\" (byte \(at))"
        case .replyHeader(let at, let forward):
            return "below Outlook header \"From: … Sent:\" (byte \(at))" + (forward ? " under a forward subject" : "")
        case .originalMessage(let at, let forward):
            return "below \"-----Original Message-----\" (byte \(at))" + (forward ? " under a forward subject" : "")
        case .forwardMarker(let at): return "below forwarded-message marker (byte \(at))"
        case .signatureDelimiter(let at): return "after '-- ' signature delimiter (byte \(at))"
        case .boilerplate(let at): return "below list/legal footer (byte \(at))"
        case .signOff(let at): return "below the sign-off and name at byte \(at) (a signature without '-- ')"
        case .mobileSignature(let at): return "after the mobile signature line at byte \(at)"
        case .signatureElement(let element, let at): return "after \(element) (byte \(at))"
        case .insideElement(let element, let at): return "inside \(element) (byte \(at))"
        case .forwardedElement(let element, let at):
            return "inside \(element) (byte \(at)) starting with a forwarded-message marker"
        case .afterElement(let element, let at, let forward):
            return "after \(element) (byte \(at))" + (forward ? " under a forward subject" : "")
        }
    }
}
