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

/// The sequential region state shared by the plain-text and HTML classifiers: what the text
/// from here on is, given the markers seen so far.
struct RegionState: Sendable {
    /// The current region.
    private(set) var region: LinkRegion = .newText
    /// Why.
    private(set) var reason: RegionReason = .newText
    /// The subject's first prefix is a forward prefix (`Fwd:`, `FW:`, `WG:` …).
    let forwardSubject: Bool

    init(forwardSubject: Bool) { self.forwardSubject = forwardSubject }

    /// A forward marker ("---------- Forwarded message ---------", "Begin forwarded message:").
    mutating func forwardMarker(at: Int) {
        guard region != .quoted else { return }
        region = .forwarded
        reason = .forwardMarker(at)
    }

    /// An Outlook reply header block or "-----Original Message-----".
    mutating func replyHeader(_ reason: RegionReason) {
        guard region != .quoted else { return }
        region = forwardSubject ? .forwarded : .quoted
        self.reason = reason
    }

    /// An attribution line not followed by `>` lines: everything below is quoted.
    mutating func quoteAll(attributionAt at: Int) {
        guard region != .quoted else { return }
        region = .quoted
        reason = .attribution(at)
    }

    /// An attribution followed by `>` lines: only those are quoted; the text between is new.
    mutating func inlineReply(attributionAt at: Int) {
        switch region {
        case .quoted, .forwarded: return
        case .newText, .signature, .boilerplate:
            region = .newText
            reason = .inlineReply(at)
        }
    }

    /// A signature delimiter.
    mutating func signature(at: Int) {
        guard region == .newText || region == .forwarded else { return }
        region = .signature
        reason = .signatureDelimiter(at)
    }

    /// A sign-off followed by name lines, or a mobile client's signature line: a signature without
    /// the `-- ` delimiter. Only the sender's new text has one; quoted and forwarded text keep their region.
    mutating func signOff(_ reason: RegionReason) {
        guard region == .newText else { return }
        region = .signature
        self.reason = reason
    }

    /// Whether the region is a signature found by its sign-off (not by a `-- ` delimiter).
    var isSignOffSignature: Bool {
        switch reason {
        case .signOff, .mobileSignature, .signatureElement: return region == .signature
        default: return false
        }
    }

    /// A postscript ("P.S.") or running prose below a sign-off: the sender's text goes on.
    mutating func resumeNewText() {
        guard isSignOffSignature else { return }
        region = .newText
        reason = .newText
    }

    /// A forward below the signature (Gmail puts the signature above the "Forwarded message" block):
    /// the signature ends there, whichever way it was found.
    mutating func endSignature() {
        guard region == .signature else { return }
        region = .newText
        reason = .newText
    }

    /// A list or legal footer.
    mutating func boilerplate(at: Int) {
        guard region != .quoted, region != .boilerplate else { return }
        region = .boilerplate
        reason = .boilerplate(at)
    }

    /// Whether a subject's first prefix is a forward prefix (`Fwd:`, `FW:`, `WG:`, `TR:`, `Doorst:` …).
    ///
    /// A leading `[list]` tag is skipped; `Re: Fwd:` is a reply.
    static func isForwardSubject(_ subject: String?) -> Bool {
        guard let prefix = subjectPrefix(subject) else { return false }
        return forwardPrefixes.contains(prefix)
    }

    /// The subject's first prefix, lowercased, before its `:` (or `：`), after an optional `[list]` tag, cut at a
    /// `[` or `(` ("Re[2]:", "AW (3):"); `nil` when there is none within the first 40 bytes. Read on bytes: it
    /// runs for every message.
    static func subjectPrefix(_ subject: String?) -> String? {
        guard var subject else { return nil }
        return subject.withUTF8 { utf8 -> String? in
            var i = 0
            let n = utf8.count
            func skipBlanks() { while i < n, utf8[i] == 0x20 || utf8[i] == 0x09 { i += 1 } }
            skipBlanks()
            if i < n, utf8[i] == 0x5B {
                var close = i + 1
                while close < n, utf8[close] != 0x5D { close += 1 }
                guard close < n else { return nil }
                i = close + 1
                skipBlanks()
            }
            let start = i
            var end = -1
            while i < n, i - start < 40 {
                if utf8[i] == 0x3A {
                    end = i
                    break
                }
                if utf8[i] == 0xEF, i + 2 < n, utf8[i + 1] == 0xBC, utf8[i + 2] == 0x9A {
                    end = i
                    break
                }
                i += 1
            }
            guard end >= start else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(end - start)
            for k in start..<end {
                let c = utf8[k]
                if c == 0x5B || c == 0x28 { break }
                bytes.append(c >= 0x41 && c <= 0x5A ? c + 32 : c)
            }
            while bytes.last == 0x20 { bytes.removeLast() }
            // Non-ASCII letters (TOVÁBBÍTÁS) are lowercased the slow way; ASCII already is.
            let text = String(decoding: bytes, as: UTF8.self)
            return bytes.contains(where: { $0 >= 0x80 }) ? text.lowercased() : text
        }
    }

    private static let forwardPrefixes: Set<String> = [
        "fw", "fwd", "wg", "tr", "doorst", "rv", "enc", "vb", "vl", "i", "pd", "továbbítás", "转发", "轉寄",
    ]
}
