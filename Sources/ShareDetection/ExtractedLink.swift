import MailParsing

/// A link found in a body part, with where it sits and why.
public struct ExtractedLink: Sendable, Hashable {
    /// The URL as written, HTML entities decoded; not percent-decoded, not unwrapped.
    public var url: String
    /// The HTML anchor text (tags stripped, entities decoded, whitespace collapsed);
    /// `nil` for bare URLs and for anchors without text (e.g. an image link).
    public var anchorText: String?
    /// The MIME path of the part the link was found in.
    public var partPath: String
    /// Whether that part is plain text or HTML.
    public var partKind: BodyPart.Kind
    /// Byte offset of the URL (the `href` value for anchors) in the decoded part bytes.
    public var byteOffset: Int
    /// Where the link sits.
    public var region: LinkRegion
    /// Why the link got its region, for an `--explain` trace.
    public var regionReason: String

    /// Creates an extracted link.
    public init(
        url: String, anchorText: String?, partPath: String, partKind: BodyPart.Kind, byteOffset: Int,
        region: LinkRegion, regionReason: String
    ) {
        self.url = url
        self.anchorText = anchorText
        self.partPath = partPath
        self.partKind = partKind
        self.byteOffset = byteOffset
        self.region = region
        self.regionReason = regionReason
    }
}
