import Foundation

/// One unwrapping step: which wrapper was removed, and the URL before and after.
public struct UnwrapStep: Sendable, Hashable {
    /// The id of the wrapper rule that matched (`outlook-safelinks`, `proofpoint-v3`, …).
    public var wrapper: String
    /// The URL before the step.
    public var from: String
    /// The URL after the step.
    public var to: String

    /// Creates a step.
    public init(wrapper: String, from: String, to: String) {
        self.wrapper = wrapper
        self.from = from
        self.to = to
    }
}

/// What unwrapping a link produced.
public struct UnwrapResult: Sendable, Hashable {
    /// The innermost URL recovered (the input itself when nothing was unwrapped).
    public var url: String
    /// The steps taken, outermost first.
    public var chain: [UnwrapStep]
    /// The id of a wrapper that `url` still sits behind and that cannot be decoded offline
    /// (`mimecast`), or whose decoding failed; `nil` when `url` is not wrapped.
    public var undecodableWrapper: String?
    /// `true` when unwrapping stopped at the depth limit with `url` still wrapped.
    public var depthLimitReached: Bool

    /// Creates a result.
    public init(url: String, chain: [UnwrapStep], undecodableWrapper: String?, depthLimitReached: Bool = false) {
        self.url = url
        self.chain = chain
        self.undecodableWrapper = undecodableWrapper
        self.depthLimitReached = depthLimitReached
    }
}

/// Removes link-protection wrappers (Safe Links, Proofpoint, Google redirects, …) with data-driven rules,
/// iteratively, so a Proofpoint link inside a Safe Link comes out as the original URL.
public struct URLUnwrapper: Sendable {
    /// The wrapper rules, in priority order.
    public let rules: [WrapperRule]
    /// The most wrappers removed from one link (5 by default).
    public let maxDepth: Int
    private let index: HostIndex

    /// Creates an unwrapper from `rules`; the first rule that applies to a URL wins.
    public init(rules: [WrapperRule], maxDepth: Int = 5) {
        self.rules = rules
        self.maxDepth = maxDepth
        var index = HostIndex()
        for (number, rule) in rules.enumerated() { index.add(rule.hosts, ruleIndex: number) }
        self.index = index
    }

    /// The wrapper rule that applies to `url`, if any.
    public func wrapperRule(for url: String) -> WrapperRule? {
        guard let parsed = NormalizedURL(url) else { return nil }
        var limitHits: [PatternLimitHit] = []
        return wrapperRule(for: parsed, limitHits: &limitHits)
    }

    private func wrapperRule(for url: NormalizedURL, limitHits: inout [PatternLimitHit]) -> WrapperRule? {
        for number in index.candidates(for: url.host) where rules[number].applies(to: url, limitHits: &limitHits) {
            return rules[number]
        }
        return nil
    }

    /// Unwraps `url` until it is no longer wrapped, a wrapper cannot be decoded, or `maxDepth` steps
    /// were taken. Never touches the network.
    public func unwrap(_ url: String) -> UnwrapResult {
        var limitHits: [PatternLimitHit] = []
        return unwrap(url, limitHits: &limitHits)
    }

    /// ``unwrap(_:)``, recording every wrapper pattern search that reached a limit (it counted as no match).
    public func unwrap(_ url: String, limitHits: inout [PatternLimitHit]) -> UnwrapResult {
        var current = ASCIIText.trimmingWhitespaceAndNewlines(url)
        var chain: [UnwrapStep] = []
        while let parsed = NormalizedURL(current), let rule = wrapperRule(for: parsed, limitHits: &limitHits) {
            if chain.count >= maxDepth {
                return UnwrapResult(url: current, chain: chain, undecodableWrapper: rule.id, depthLimitReached: true)
            }
            let raw = ASCIIText.replacingAmpersandEntities(current)
            guard !rule.undecodable, let next = rule.unwrap(parsed, raw: raw, limitHits: &limitHits), next != current
            else {
                return UnwrapResult(url: current, chain: chain, undecodableWrapper: rule.id)
            }
            chain.append(UnwrapStep(wrapper: rule.id, from: current, to: next))
            current = next
        }
        return UnwrapResult(url: current, chain: chain, undecodableWrapper: nil)
    }
}

/// Foundation's string calls that the URL code makes on every link, done on bytes when the text is ASCII (where they
/// give the same result) and by Foundation otherwise.
enum ASCIIText {
    /// `text.trimmingCharacters(in: .whitespacesAndNewlines)`; for ASCII that set is tab, LF, VT, FF, CR and space.
    static func trimmingWhitespaceAndNewlines(_ text: String) -> String {
        trimming(text, .whitespacesAndNewlines, isMember: isWhitespaceOrNewline)
    }

    /// `text.trimmingCharacters(in: set)` where `isMember` says which ASCII bytes `set` holds: on bytes for ASCII text.
    static func trimming(_ text: String, _ set: CharacterSet, isMember: (UInt8) -> Bool) -> String {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return text.trimmingCharacters(in: set) }
        let bytes = text.utf8
        guard let first = bytes.firstIndex(where: { !isMember($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isMember($0) })!
        if first == bytes.startIndex && last == bytes.index(before: bytes.endIndex) { return text }
        return String(text[first...last])
    }

    /// `.whitespaces` on ASCII: tab and space.
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
    /// `.whitespacesAndNewlines` on ASCII: tab, LF, VT, FF, CR and space.
    static func isWhitespaceOrNewline(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
    /// `.punctuationCharacters` on ASCII (general category P): `!"#%&'()*,-./:;?@[\]_{}`.
    static func isPunctuation(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21...0x23, 0x25...0x2A, 0x2C...0x2F, 0x3A, 0x3B, 0x3F, 0x40, 0x5B...0x5D, 0x5F, 0x7B, 0x7D: true
        default: false
        }
    }

    /// `text.trimmingCharacters(in: .whitespaces)`.
    static func trimmingWhitespace(_ text: String) -> String { trimming(text, .whitespaces, isMember: isWhitespace) }

    /// `false` only when `text` is ASCII and does not contain `needle` (lowercase ASCII) in any letter case; a
    /// cheap test before a case-insensitive regular expression that needs the word.
    static func mayContain(_ text: String, lowercasedASCII needle: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return true }
        let pattern = Array(needle.utf8)
        guard bytes.count >= pattern.count else { return false }
        for start in 0...(bytes.count - pattern.count) {
            var matches = true
            for offset in 0..<pattern.count {
                let byte = bytes[start + offset]
                if (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) != pattern[offset] {
                    matches = false
                    break
                }
            }
            if matches { return true }
        }
        return false
    }

    /// `text.replacingOccurrences(of: "&amp;", with: "&")`.
    static func replacingAmpersandEntities(_ text: String) -> String {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return text.replacingOccurrences(of: "&amp;", with: "&") }
        guard text.utf8.contains(UInt8(ascii: "&")), text.contains("&amp;") else { return text }
        return text.replacingOccurrences(of: "&amp;", with: "&")
    }
}
