/// One way a provider's URL can look: regular expressions searched in the path and, optionally, the
/// query and the fragment. All that are set must match.
public struct ProviderPattern: Sendable, Hashable, CustomStringConvertible {
    /// Searched in the raw (percent-encoded) path, which starts with `/`.
    public let path: RulePattern?
    /// Searched in the raw query, without the leading `?`.
    public let query: RulePattern?
    /// Searched in the raw fragment, without the leading `#`.
    public let fragment: RulePattern?

    /// Creates a pattern; at least one part should be set.
    public init(path: RulePattern?, query: RulePattern? = nil, fragment: RulePattern? = nil) {
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// Every named group the pattern defines.
    public var groupNames: Set<String> {
        Set((path?.groupNames ?? []) + (query?.groupNames ?? []) + (fragment?.groupNames ?? []))
    }

    /// `path ~ /…/ query ~ /…/`, as shown in explanations.
    public var description: String {
        var parts: [String] = []
        if let path { parts.append("path ~ /\(path.source)/") }
        if let query { parts.append("query ~ /\(query.source)/") }
        if let fragment { parts.append("fragment ~ /\(fragment.source)/") }
        return parts.joined(separator: " ")
    }

    /// The named groups when every part set matches `url`, else `nil`.
    public func match(_ url: NormalizedURL) -> [String: String]? {
        var limitHits: [PatternLimitHit] = []
        return match(url, limitHits: &limitHits)
    }

    /// ``match(_:)``, recording every search that reached a limit (it counted as no match).
    public func match(_ url: NormalizedURL, limitHits: inout [PatternLimitHit]) -> [String: String]? {
        var captures: [String: String] = [:]
        let parts: [(RulePattern?, String?)] = [(path, url.path), (query, url.query), (fragment, url.fragment)]
        for case (let pattern?, let text) in parts {
            guard let text, let found = pattern.firstMatch(in: text, limitHits: &limitHits) else { return nil }
            for name in pattern.groupNames { if let value = found[name] { captures[name] = value } }
        }
        return captures
    }
}

/// How a rule names the kind of content: a fixed text, or a lookup of a captured group.
public enum KindSpec: Sendable, Hashable {
    /// Always this kind (may use `{variables}`).
    case fixed(RuleTemplate)
    /// The kind is `map[value of group from]` (looked up lowercased), else `defaultKind`.
    case lookup(from: String, map: [String: String], defaultKind: String)

    func resolve(_ values: [String: String]) -> String {
        switch self {
        case .fixed(let template): return template.render(values)
        case .lookup(let from, let map, let defaultKind):
            return map[(values[from] ?? "").lowercased()] ?? defaultKind
        }
    }
}

/// A provider rule: the hosts it applies to, the URL patterns that identify content there, and how
/// to build the canonical content id, title hint, action and properties from a match.
public struct ProviderRule: Sendable, Hashable {
    /// Unique rule id (`google-docs-document`).
    public let id: String
    /// Provider display name (`Google Docs`).
    public let provider: String
    /// The content kind (`document`, `spreadsheet`, `folder`, …).
    public let kind: KindSpec
    /// Hosts the rule applies to.
    public let hosts: [HostPattern]
    /// URL shapes that are content; the first that matches wins. Anything else on these hosts is not content.
    public let patterns: [ProviderPattern]
    /// The canonical content id (`gdoc:document:{id}`).
    public let contentId: RuleTemplate
    /// The content URL; by default the unwrapped, normalised URL without tracking parameters.
    public let contentUrl: RuleTemplate?
    /// A title taken from the URL (`{name|url_decode}`); empty renders mean no title.
    public let title: RuleTemplate?
    /// Gong's `actionName` (`Document Shared`).
    public let actionName: RuleTemplate
    /// Extra `contentProperties`, besides `provider`, `contentType` and `ruleId`; empty values are left out.
    public let properties: [String: RuleTemplate]
    /// Where the rule was defined (`rules/providers/google.yml:14`).
    public let location: String

    /// Creates a rule.
    public init(
        id: String, provider: String, kind: KindSpec, hosts: [HostPattern], patterns: [ProviderPattern],
        contentId: RuleTemplate, contentUrl: RuleTemplate? = nil, title: RuleTemplate? = nil,
        actionName: RuleTemplate, properties: [String: RuleTemplate] = [:], location: String = ""
    ) {
        self.id = id
        self.provider = provider
        self.kind = kind
        self.hosts = hosts
        self.patterns = patterns
        self.contentId = contentId
        self.contentUrl = contentUrl
        self.title = title
        self.actionName = actionName
        self.properties = properties
        self.location = location
    }

    /// Variables every rule can use, whatever its patterns.
    public static let builtInVariables: Set<String> = ["host", "subdomain", "path", "query", "fragment", "url", "kind"]

    /// The match for `url` (already unwrapped and normalised), or `nil` when no pattern matches.
    public func match(_ url: NormalizedURL) -> ContentMatch? {
        var limitHits: [PatternLimitHit] = []
        return match(url, limitHits: &limitHits)
    }

    /// ``match(_:)-(NormalizedURL)``, recording every pattern search that reached a limit (it counted as no match).
    public func match(_ url: NormalizedURL, limitHits: inout [PatternLimitHit]) -> ContentMatch? {
        guard let subdomain = hosts.lazy.compactMap({ $0.subdomain(of: url.host) }).first else { return nil }
        for pattern in patterns {
            guard var values = pattern.match(url, limitHits: &limitHits) else { continue }
            let cleaned = url.droppingTrackingParameters()
            values["host"] = url.host
            values["subdomain"] = subdomain
            values["path"] = url.path
            values["query"] = url.query ?? ""
            values["fragment"] = url.fragment ?? ""
            values["url"] = cleaned.string
            let kind = self.kind.resolve(values)
            values["kind"] = kind
            let id = contentId.render(values)
            guard !id.isEmpty else { continue }
            var properties = ["provider": provider, "contentType": kind, "ruleId": self.id]
            for (key, template) in self.properties {
                let value = template.render(values)
                if !value.isEmpty { properties[key] = value }
            }
            let title = title.map { ASCIIText.trimmingWhitespaceAndNewlines($0.render(values)) }
            let contentURL = contentUrl.map { $0.render(values) } ?? cleaned.string
            return ContentMatch(
                ruleID: self.id, provider: provider, kind: kind, contentId: id, contentUrl: contentURL,
                titleFromURL: title?.isEmpty == false ? title : nil, actionName: actionName.render(values),
                contentProperties: properties, matchedPattern: pattern.description, ruleLocation: location)
        }
        return nil
    }
}
