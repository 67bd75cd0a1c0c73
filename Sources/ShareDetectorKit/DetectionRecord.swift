import ShareDetection

/// What the detector found, as the ledger keeps it beside each event: everything an event body is built from, so
/// `requeue` can rebuild the body with the current config and rules (a fixed workspace id, a changed mapping)
/// while the `eventId` stays the same.
///
/// Stored as JSON (`events.detection`). Holds what the event body holds (addresses, subject, the message excerpt
/// when `gong.includeMessageBody` is on) and nothing secret.
public struct DetectionRecord: Sendable, Hashable, Codable {
    /// The record's format version.
    public var version = 1
    /// The message's stable key (Message-ID or fingerprint): with the original `contentId`, the event's identity.
    public var messageKey: String
    /// The message's date, ISO 8601 with its offset (Gong's `eventTimestamp`).
    public var eventTimestamp: String
    /// The message's subject.
    public var subject: String?
    /// The message excerpt (`sharingMessageBody`), when the config sent one.
    public var messageBody: String?
    /// The sharer (`From:`).
    public var sharer: Person?
    /// The external recipients.
    public var recipients: [Person]
    /// The link as found in the message (before unwrapping): what the rules classify again on a rebuild.
    public var link: String
    /// The content title chosen at detection.
    public var title: String
    /// What the rule made of the link at detection.
    public var content: Content
    /// The mailbox the message was read from (a scan's; `nil` for `test`).
    public var mailbox: String?
    /// Where in the message the link was: `new` (the sender's new text) or `forwarded`.
    public var linkRegion: String?
    /// The link-protection wrappers peeled off, outermost first (`safelinks`, `proofpoint-v3`, …); empty when none.
    public var unwrapChain: [String]?

    /// An address with its display name.
    public struct Person: Sendable, Hashable, Codable {
        /// The address.
        public var email: String
        /// The display name.
        public var name: String?
    }

    /// The rule's verdict, as it was.
    public struct Content: Sendable, Hashable, Codable {
        /// The rule id.
        public var ruleId: String
        /// Provider display name.
        public var provider: String
        /// Canonical content id (the event's identity keeps this one, whatever a rebuild finds).
        public var contentId: String
        /// The URL as the recipient opens it.
        public var contentUrl: String
        /// Gong's `actionName`.
        public var actionName: String
        /// Gong's `contentProperties`.
        public var contentProperties: [String: String]

        /// The content of a rule match.
        public init(_ match: ContentMatch) {
            ruleId = match.ruleID
            provider = match.provider
            contentId = match.contentId
            contentUrl = match.contentUrl
            actionName = match.actionName
            contentProperties = match.contentProperties
        }
    }
}
