/// A URL a provider rule recognised as content, with everything Gong's event needs from the link.
public struct ContentMatch: Sendable, Hashable {
    /// The id of the rule that matched.
    public var ruleID: String
    /// Provider display name (`Dropbox`).
    public var provider: String
    /// Content kind (`document`, `folder`, `envelope`, …).
    public var kind: String
    /// Canonical content id: the same for every URL variant of the same content (`dropbox:fi:<id>`).
    public var contentId: String
    /// The URL as the recipient opens it: unwrapped, host lowercased, tracking parameters dropped,
    /// access keys kept.
    public var contentUrl: String
    /// A title from the URL (the decoded file name in the path), when it has one.
    public var titleFromURL: String?
    /// Gong's `actionName` (`Document Shared`, `Envelope Sent`, …).
    public var actionName: String
    /// Gong's `contentProperties`: at least `provider`, `contentType` and `ruleId`.
    public var contentProperties: [String: String]
    /// The pattern that matched, for explanations (`path ~ /^\/s\/…/`).
    public var matchedPattern: String
    /// Where the matching rule is defined (`rules/providers/dropbox.yml:8`).
    public var ruleLocation: String

    /// Creates a match.
    public init(
        ruleID: String, provider: String, kind: String, contentId: String, contentUrl: String,
        titleFromURL: String?, actionName: String, contentProperties: [String: String], matchedPattern: String,
        ruleLocation: String = ""
    ) {
        self.ruleID = ruleID
        self.provider = provider
        self.kind = kind
        self.contentId = contentId
        self.contentUrl = contentUrl
        self.titleFromURL = titleFromURL
        self.actionName = actionName
        self.contentProperties = contentProperties
        self.matchedPattern = matchedPattern
        self.ruleLocation = ruleLocation
    }
}
