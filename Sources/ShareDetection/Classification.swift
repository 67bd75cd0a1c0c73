/// What the rules make of one link.
public enum Classification: Sendable, Hashable {
    /// A content share.
    case content(ContentMatch, UnwrapResult)
    /// Not content (no rule for the host, no pattern matched, not an http(s) URL); the reason says which.
    case notContent(reason: String, UnwrapResult)
    /// Excluded by a team's exclusions (domain or URL pattern); the reason names the exclusion.
    case excluded(reason: String, UnwrapResult)
    /// Behind a wrapper that cannot be decoded offline (the wrapper rule's id, e.g. `mimecast`).
    case undecodableWrapper(String, UnwrapResult)

    /// The unwrapping that preceded the decision.
    public var unwrap: UnwrapResult {
        switch self {
        case .content(_, let result), .notContent(_, let result), .excluded(_, let result),
            .undecodableWrapper(_, let result):
            return result
        }
    }

    /// The content match, when the link is content.
    public var contentMatch: ContentMatch? {
        if case .content(let match, _) = self { return match }
        return nil
    }
}
