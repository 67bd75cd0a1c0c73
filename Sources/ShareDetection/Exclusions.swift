/// What a team tells the detector to ignore: link domains, mail addresses and URL patterns.
public struct Exclusions: Sendable, Hashable {
    /// Link hosts to ignore; a domain also covers its subdomains (`northwind.example` covers
    /// `cms.northwind.example`). Lowercased.
    public var domains: [String]
    /// Mail addresses (recipients or senders) to ignore, lowercased. The detector only parses and
    /// exposes them; the pipeline applies them.
    public var addresses: Set<String>
    /// URL patterns: a link whose unwrapped, normalised URL matches one is excluded.
    public var urlPatterns: [RulePattern]

    /// Creates exclusions.
    public init(domains: [String] = [], addresses: Set<String> = [], urlPatterns: [RulePattern] = []) {
        self.domains = domains.map { $0.lowercased() }
        self.addresses = Set(addresses.map { $0.lowercased() })
        self.urlPatterns = urlPatterns
    }

    /// No exclusions.
    public static let none = Exclusions()

    /// `true` when `address` (any case) is excluded.
    public func excludes(address: String) -> Bool {
        addresses.contains(ASCIIText.trimmingWhitespace(address).lowercased())
    }

    /// Why `url` is excluded, or `nil` when it is not.
    public func reason(for url: NormalizedURL) -> String? {
        var limitHits: [PatternLimitHit] = []
        return reason(for: url, limitHits: &limitHits)
    }

    /// Why `url` is excluded, or `nil`; a URL pattern search that reaches a limit is recorded and does not exclude.
    public func reason(for url: NormalizedURL, limitHits: inout [PatternLimitHit]) -> String? {
        for domain in domains where url.host == domain || url.host.hasSuffix("." + domain) {
            return "excluded domain \(domain)"
        }
        let text = url.string
        for pattern in urlPatterns where pattern.firstMatch(in: text, limitHits: &limitHits) != nil {
            return "excluded URL pattern /\(pattern.source)/"
        }
        return nil
    }

    /// Both sets of exclusions together.
    public func merged(with other: Exclusions) -> Exclusions {
        var domains = self.domains
        for domain in other.domains where !domains.contains(domain) { domains.append(domain) }
        var patterns = urlPatterns
        for pattern in other.urlPatterns where !patterns.contains(pattern) { patterns.append(pattern) }
        return Exclusions(domains: domains, addresses: addresses.union(other.addresses), urlPatterns: patterns)
    }
}
