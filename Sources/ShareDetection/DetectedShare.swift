import MailParsing

/// One share found in a message: one piece of content put there by the sender.
public struct DetectedShare: Sendable, Hashable {
    /// What the rule made of the link.
    public var content: ContentMatch
    /// The occurrence the share is reported from (the first one; the best titled one for the title).
    public var link: ExtractedLink
    /// How the link was unwrapped.
    public var unwrapChain: [UnwrapStep]
    /// The content title: anchor text, else a title from the URL, else the subject; never empty.
    public var title: String
    /// Where the title came from.
    public var titleSource: TitleSource

    /// Where a content title came from.
    public enum TitleSource: String, Sendable, Hashable, Codable {
        /// The link's anchor text.
        case anchorText = "anchor-text"
        /// A file name or title in the URL.
        case url
        /// The message subject.
        case subject
        /// Provider and kind, when nothing better exists.
        case provider
    }
}

/// What happened to one link, for `--explain` and `--stats`.
public struct LinkDecision: Sendable, Hashable {
    /// The link as extracted.
    public var link: ExtractedLink
    /// What the rules made of it.
    public var classification: Classification
    /// The verdict.
    public var outcome: Outcome

    /// The verdict on a link.
    public enum Outcome: Sendable, Hashable {
        /// Reported as a share of this content id.
        case share(contentId: String)
        /// The same content as an earlier link of the message.
        case sameContentAs(contentId: String)
        /// Not reported, and why.
        case skipped(reason: String)
    }
}

/// Everything the detector concluded about one message.
public struct DetectionResult: Sendable {
    /// The sharer (`From:`), if any.
    public var sharer: MailAddress?
    /// Recipients outside the internal domains (To, Cc, Bcc order, duplicates removed).
    public var externalRecipients: [MailAddress]
    /// Why the message yields no events although links qualified (no external recipient, excluded sender), if so.
    public var messageSkipReason: String?
    /// The shares: one per distinct content, in order of first appearance. Empty when `messageSkipReason` is set.
    public var shares: [DetectedShare]
    /// Every link's decision, in order.
    public var decisions: [LinkDecision]
    /// The internal domains that applied.
    public var internalDomains: [String]
    /// Bounds the detector reached on this message, so that nothing is lost silently: `link-limit`,
    /// `candidate-limit`, `region-nesting-limit` (see ``LinkExtractor/links(in:subject:defects:)``) and `regex-limit`
    /// (a rule pattern search stopped at a ``BoundedRegex`` limit and counted as no match; `item` names the link and
    /// the pattern).
    public var defects: [ParseDefect] = []
}
