import Foundation

/// Chooses a content title: the anchor text when it is meaningful, else a title from the URL, else the subject.
public enum ContentTitle {
    /// Anchor texts that say nothing about the content.
    static let genericAnchors: Set<String> = [
        "here", "click here", "link", "this link", "the link", "view", "open", "download", "this", "document",
        "file", "click", "see here", "view document", "open document", "view file", "open file", "share",
        "shared link", "link here", "go", "more", "read more", "details", "this document", "the document",
        // The buttons of the providers' own notifications (a forwarded DocuSign or Dropbox email).
        "review document", "review documents", "view documents", "review", "sign", "sign now", "sign document",
        "view folder", "open folder", "go to folder", "open in dropbox", "view in dropbox",
    ]

    /// The anchor text, cleaned, when it names the content; `nil` when it is empty, a URL or a generic word.
    public static func meaningfulAnchor(_ anchor: String?) -> String? {
        guard let anchor else { return nil }
        let text = anchor.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        guard text.count >= 2, text.count <= 300, text.contains(where: { $0.isLetter }) else { return nil }
        let lowered = text.lowercased()
        if lowered.contains("://") || lowered.hasPrefix("www.") { return nil }
        if genericAnchors.contains(
            ASCIIText.trimming(lowered, .punctuationCharacters, isMember: ASCIIText.isPunctuation))
        {
            return nil
        }
        return text
    }

    /// The subject without reply and forward prefixes.
    public static func cleanSubject(_ subject: String?) -> String? {
        guard var text = subject.map(ASCIIText.trimmingWhitespace), !text.isEmpty else { return nil }
        let prefixes = ["re:", "fw:", "fwd:", "aw:", "wg:", "tr:", "sv:", "vs:", "antw:", "r:", "rif:"]
        var changed = true
        while changed {
            changed = false
            for prefix in prefixes where text.lowercased().hasPrefix(prefix) {
                text = ASCIIText.trimmingWhitespace(String(text.dropFirst(prefix.count)))
                changed = true
            }
        }
        return text.isEmpty ? nil : text
    }

    /// The title and where it came from.
    static func choose(anchor: String?, match: ContentMatch, subject: String?) -> (String, DetectedShare.TitleSource) {
        if let anchor = meaningfulAnchor(anchor) { return (anchor, .anchorText) }
        if let fromURL = match.titleFromURL.map(ASCIIText.trimmingWhitespace), !fromURL.isEmpty {
            return (fromURL, .url)
        }
        if let subject = cleanSubject(subject) { return (subject, .subject) }
        return ("\(match.provider) \(match.kind)", .provider)
    }
}
