import MailParsing

/// What a message's headers say about the thread its text belongs to, for the region classifiers.
public struct ThreadContext: Sendable, Equatable {
    /// The subject's first prefix is a forward prefix (`Fwd:`, `FW:`, `WG:` …): text below an Outlook header is
    /// forwarded rather than quoted.
    public var forwardSubject: Bool
    /// A fresh message: no reply or forward prefix on the subject and no `In-Reply-To` or `References`. Its `>`
    /// blocks and quote elements that no attribution or reply header introduces are the sender's own formatting
    /// (a quoted requirement, a highlighted passage), so links in them are the sender's.
    public var isFresh: Bool
    /// The sender's display name, whose marks (``commentMarks``) Outlook puts before their inline comments.
    public var senderName: String?

    /// A context with the given facts.
    public init(forwardSubject: Bool = false, isFresh: Bool = false, senderName: String? = nil) {
        self.forwardSubject = forwardSubject
        self.isFresh = isFresh
        self.senderName = senderName
    }

    /// Lowercased marks Outlook's "Mark my comments with" puts in brackets before the sender's inline comments in
    /// the quoted message: the sender's display name, first name and initials ("omar farouk", "omar", "of").
    /// Computed on demand: the classifiers ask only when a quoted line starts with `[`.
    public var commentMarks: [[UInt8]] { Self.commentMarks(of: senderName) }

    /// The context a subject alone gives: forward or not; never fresh, no comment marks.
    public init(subject: String?) {
        self.init(forwardSubject: RegionState.isForwardSubject(subject))
    }

    /// The context of a whole message: its subject, its reply headers and its sender's name.
    public init(message: MailMessage) {
        let forward = RegionState.isForwardSubject(message.subject)
        let fresh =
            !forward && !Self.isReplySubject(message.subject) && message.inReplyTo.isEmpty
            && message.references.isEmpty
        self.init(forwardSubject: forward, isFresh: fresh, senderName: message.from.first?.name)
    }

    /// The lowercased words of the sender's display name (two letters or more) and their initials: a line under a
    /// sign-off that holds one of them names the sender ("Omar", "O. Farouk", "OF"). Empty when the name is unknown.
    public var nameTokens: [[UInt8]] {
        guard let senderName else { return [] }
        let words = senderName.lowercased().split { !$0.isLetter && $0 != "-" && $0 != "'" }.map(String.init)
        var tokens = words.filter { $0.count >= 2 }.map { Array($0.utf8) }
        if words.count >= 2 { tokens.append(Array(String(words.compactMap(\.first)).utf8)) }
        return tokens
    }

    /// "Omar Farouk" → `omar farouk`, `omar`, `of`; names shorter than two letters give no mark.
    static func commentMarks(of name: String?) -> [[UInt8]] {
        guard let name else { return [] }
        var cleaned = name.lowercased()
        // "Farouk, Omar" (Outlook's directory form) reads as "Omar Farouk".
        if let comma = cleaned.firstIndex(of: ",") {
            let last = cleaned[..<comma]
            let first = cleaned[cleaned.index(after: comma)...]
            cleaned = "\(first) \(last)"
        }
        let words = cleaned.split { !$0.isLetter && $0 != "-" && $0 != "'" }.map(String.init)
        guard let first = words.first, first.count >= 2 else { return [] }
        var marks = [Array(words.joined(separator: " ").utf8), Array(first.utf8)]
        if words.count >= 2 { marks.append(Array(String(words.compactMap(\.first)).utf8)) }
        return Array(Set(marks)).sorted { $0.count > $1.count }
    }

    /// Whether a subject's first prefix is a reply prefix (`Re:`, `AW:`, `SV:`, `Antw:` …), after an optional
    /// `[list]` tag.
    public static func isReplySubject(_ subject: String?) -> Bool {
        guard let prefix = RegionState.subjectPrefix(subject) else { return false }
        return replyPrefixes.contains(prefix)
    }

    private static let replyPrefixes: Set<String> = [
        "re", "aw", "sv", "antw", "antwort", "réf", "ref", "rif", "r", "odp", "vs", "ynt", "atb", "res",
        "回复", "回覆", "答复",
    ]
}
