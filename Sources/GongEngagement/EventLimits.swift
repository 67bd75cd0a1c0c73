/// Size caps that `EventValidator` enforces on a `ContentSharedEvent`.
///
/// Gong documents no size limits for this endpoint (content-shared.md §4.8); these are our own sane caps, so a
/// runaway message never becomes a multi-megabyte request. Defaults:
///
/// | Field | Cap | Unit |
/// |---|---|---|
/// | `contentTitle` | 1,000 | characters |
/// | `contentUrl`, `shareInfoUrl`, `url` property values | 8,192 | UTF-8 bytes |
/// | `sharingMessageSubject` | 2,000 | characters |
/// | `sharingMessageBody` | 1,000,000 | UTF-8 bytes |
/// | `recipients` | 1,000 | entries |
/// | `contentProperties`, `eventProperties` | 100 | entries each |
/// | `crmContext`, each `recipients[i].context`, each `objects` | 100 | entries each |
/// | ids, names, titles of people, `actionName`, property names | 1,000 | characters |
/// | non-URL property values | 8,192 | characters |
/// | email addresses | 254 | UTF-8 bytes (RFC 5321 path limit) |
public struct EventLimits: Sendable, Hashable {
    /// Maximum characters in `contentTitle`.
    public var maxTitleLength: Int
    /// Maximum UTF-8 bytes in any URL (`contentUrl`, `shareInfoUrl`, `url`-typed property values).
    public var maxURLBytes: Int
    /// Maximum characters in `sharingMessageSubject`.
    public var maxSubjectLength: Int
    /// Maximum UTF-8 bytes in `sharingMessageBody`.
    public var maxBodyBytes: Int
    /// Maximum number of `recipients`.
    public var maxRecipients: Int
    /// Maximum number of entries in each of `contentProperties` and `eventProperties`.
    public var maxProperties: Int
    /// Maximum number of entries in `crmContext`, in each recipient's `context`, and in each `objects` list.
    public var maxContextEntries: Int
    /// Maximum characters in ids, names, people's titles, `actionName` and property names.
    public var maxShortTextLength: Int
    /// Maximum characters in a property value that is not a URL.
    public var maxPropertyValueLength: Int
    /// Maximum UTF-8 bytes in an email address.
    public var maxEmailBytes: Int

    /// Creates limits; every argument defaults to the documented default.
    public init(
        maxTitleLength: Int = 1_000,
        maxURLBytes: Int = 8_192,
        maxSubjectLength: Int = 2_000,
        maxBodyBytes: Int = 1_000_000,
        maxRecipients: Int = 1_000,
        maxProperties: Int = 100,
        maxContextEntries: Int = 100,
        maxShortTextLength: Int = 1_000,
        maxPropertyValueLength: Int = 8_192,
        maxEmailBytes: Int = 254
    ) {
        self.maxTitleLength = maxTitleLength
        self.maxURLBytes = maxURLBytes
        self.maxSubjectLength = maxSubjectLength
        self.maxBodyBytes = maxBodyBytes
        self.maxRecipients = maxRecipients
        self.maxProperties = maxProperties
        self.maxContextEntries = maxContextEntries
        self.maxShortTextLength = maxShortTextLength
        self.maxPropertyValueLength = maxPropertyValueLength
        self.maxEmailBytes = maxEmailBytes
    }

    /// The documented defaults (see the table above).
    public static let `default` = EventLimits()
}
