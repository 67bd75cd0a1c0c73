/// Where a link sits in a message, which decides whether the sender put it there.
///
/// Only ``newText`` and ``forwarded`` links are the sender's shares; the others are someone
/// else's earlier text or automatic footers.
public enum LinkRegion: String, Sendable, Codable, CaseIterable {
    /// The sender's own new text.
    case newText = "new"
    /// Quoted reply history (`>` lines, below "On … wrote:", an Outlook reply header, a quote block).
    case quoted
    /// A message the sender forwards (inline forward or attached `message/rfc822`).
    case forwarded
    /// A signature block.
    case signature
    /// A mailing-list or legal footer.
    case boilerplate

    /// Whether a link in this region counts as put there by the sender.
    public var isSenderContent: Bool { self == .newText || self == .forwarded }
}
