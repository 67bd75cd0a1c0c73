import Foundation

/// One host a rule applies to: an exact host (`docs.google.com`) or every subdomain of a suffix
/// (`*.sharepoint.com` matches `contoso.sharepoint.com` and `a.b.sharepoint.com`, not `sharepoint.com`).
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    /// The host or the suffix, lowercased, without the `*.` prefix.
    public let host: String
    /// `true` for a `*.suffix` pattern.
    public let isSuffix: Bool

    /// Parses `docs.google.com` or `*.sharepoint.com`; `nil` when the text is not a host pattern.
    public init?(_ text: String) {
        var value = text.trimmingCharacters(in: .whitespaces).lowercased()
        var suffix = false
        if value.hasPrefix("*.") {
            suffix = true
            value.removeFirst(2)
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-.")
        guard !value.isEmpty, value.allSatisfy({ allowed.contains($0) }), !value.hasPrefix("."),
            !value.hasSuffix("."), !value.contains("..")
        else { return nil }
        host = value
        isSuffix = suffix
    }

    /// The pattern as written in a rule file.
    public var description: String { isSuffix ? "*." + host : host }

    /// The part of `candidate` left of the matched suffix (`contoso` for `contoso.sharepoint.com`),
    /// the empty string for an exact match, `nil` when the pattern does not match.
    public func subdomain(of candidate: String) -> String? {
        if isSuffix {
            guard candidate.hasSuffix("." + host) else { return nil }
            return String(candidate.dropLast(host.count + 1))
        }
        return candidate == host ? "" : nil
    }
}

/// A dictionary from hosts to the rules that name them: exact hosts first, then each registrable
/// suffix of the host, so a lookup costs a few hash probes whatever the number of rules.
struct HostIndex: Sendable {
    private var exact: [String: [Int]] = [:]
    private var suffix: [String: [Int]] = [:]

    /// Records that rule number `ruleIndex` applies to `patterns`.
    mutating func add(_ patterns: [HostPattern], ruleIndex: Int) {
        for pattern in patterns {
            if pattern.isSuffix {
                suffix[pattern.host, default: []].append(ruleIndex)
            } else {
                exact[pattern.host, default: []].append(ruleIndex)
            }
        }
    }

    /// The rule numbers that apply to `host`, in rule order, without duplicates.
    func candidates(for host: String) -> [Int] {
        var found = exact[host] ?? []
        var rest = Substring(host)
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            if let rules = suffix[String(rest)] { found += rules }
        }
        guard found.count > 1 else { return found }
        return Array(Set(found)).sorted()
    }
}

/// A rule file's regular expression: its source text, where it was written, and the compiled ``BoundedRegex``.
///
/// Every search is bounded (see ``BoundedRegex/Limits``); a search that reaches a limit is a non-match that the
/// `limitHits` variants report as a ``PatternLimitHit``.
public struct RulePattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written in the rule file.
    public let source: String
    /// Where it was written (`rules/team.yml:12:14 rules[0].match[0]`), empty when not from a file.
    public let location: String
    /// The named capture groups (`(?<id>…)`) in the pattern, in order.
    public let groupNames: [String]
    /// The compiled expression.
    public let regex: BoundedRegex

    /// What one search found.
    public enum SearchResult: Sendable, Hashable {
        /// A match: group 0 as `"0"`, group 1 as `"1"` and each named group that took part under its name.
        case match([String: String])
        /// No match.
        case noMatch
        /// The search reached a limit: not a match.
        case limitExceeded(BoundedRegex.Limit)
    }

    /// Compiles `source` (PCRE2 syntax); throws when it is not a valid pattern.
    public init(_ source: String, location: String = "") throws(BoundedRegex.CompileError) {
        self.source = source
        self.location = location
        self.regex = try BoundedRegex(source)
        self.groupNames = regex.namedGroups.map(\.name)
    }

    /// The pattern as written.
    public var description: String { source }

    /// Searches `text`; on a match returns group 0 as `"0"`, group 1 as `"1"` and each named group that
    /// took part under its name. A search that reaches a limit returns `nil`, like no match.
    public func firstMatch(in text: String) -> [String: String]? {
        if case .match(let captures) = search(text) { return captures }
        return nil
    }

    /// Searches `text`, recording in `limitHits` a search that reached a limit (and returning `nil` for it).
    func firstMatch(in text: String, limitHits: inout [PatternLimitHit]) -> [String: String]? {
        switch search(text) {
        case .match(let captures): return captures
        case .noMatch: return nil
        case .limitExceeded(let limit):
            limitHits.append(PatternLimitHit(pattern: source, location: location, limit: limit))
            return nil
        }
    }

    /// Searches `text`: a match with its captures, no match, or the limit the search reached.
    public func search(_ text: String) -> SearchResult {
        var text = text
        return text.withUTF8 { utf8 -> SearchResult in
            switch regex.firstMatch(in: UnsafeRawBufferPointer(utf8)) {
            case .noMatch: return .noMatch
            case .limitExceeded(let limit): return .limitExceeded(limit)
            case .match(let match):
                func string(_ range: Range<Int>) -> String {
                    String(decoding: UnsafeBufferPointer(rebasing: utf8[range]), as: UTF8.self)
                }
                var captures: [String: String] = [:]
                for group in 0..<min(match.groups.count, 2) {
                    if let range = match.groups[group] { captures[String(group)] = string(range) }
                }
                for (name, number) in regex.namedGroups {
                    if number < match.groups.count, let range = match.groups[number] { captures[name] = string(range) }
                }
                return .match(captures)
            }
        }
    }

    /// Equal when the sources are equal.
    public static func == (lhs: RulePattern, rhs: RulePattern) -> Bool { lhs.source == rhs.source }

    /// Hashes the source.
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}

/// A rule pattern search that stopped at a limit of ``BoundedRegex``: it counted as no match.
public struct PatternLimitHit: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public var pattern: String
    /// Where it was written (`rules/team.yml:12:14 rules[0].match[0]`).
    public var location: String
    /// The limit reached.
    public var limit: BoundedRegex.Limit

    /// Creates a record.
    public init(pattern: String, location: String, limit: BoundedRegex.Limit) {
        self.pattern = pattern
        self.location = location
        self.limit = limit
    }

    /// `pattern /(a+)+$/ (rules/team.yml:12:14 rules[0].match[0]) reached the match-limit; counted as no match`.
    public var description: String {
        "pattern /\(pattern)/\(location.isEmpty ? "" : " (\(location))") reached the \(limit.rawValue); "
            + "counted as no match"
    }
}

/// A data-driven rule that recognises one link-protection wrapper and extracts the URL it wraps.
public struct WrapperRule: Sendable, Hashable {
    /// How the wrapped URL is taken out of the wrapper URL.
    public enum Extract: Sendable, Hashable {
        /// The raw (still percent-encoded) value of the first of these query parameters present.
        case queryParameter([String])
        /// A search over the whole wrapper URL; the group named `url` (else group 1) is the value.
        case urlRegex(RulePattern)
        /// A search over the path; the group named `url` (else group 1) is the value.
        case pathRegex(RulePattern)
    }

    /// The rule id, reported in each `UnwrapStep` (`outlook-safelinks`, `proofpoint-v2`, `mimecast`).
    public let id: String
    /// The hosts the wrapper lives on.
    public let hosts: [HostPattern]
    /// When set, the wrapper URL's path must match it too.
    public let path: RulePattern?
    /// The extract step; `nil` for an undecodable wrapper.
    public let extract: Extract?
    /// The transforms applied to the extracted value, in order.
    public let transforms: [WrapperTransform]
    /// `true` when the wrapped URL cannot be recovered offline (Mimecast): the link is reported, never guessed.
    public let undecodable: Bool
    /// Where the rule was defined (`rules/wrappers.yml:12`).
    public let location: String

    /// Creates a wrapper rule.
    public init(
        id: String, hosts: [HostPattern], path: RulePattern? = nil, extract: Extract?,
        transforms: [WrapperTransform] = [], undecodable: Bool = false, location: String = ""
    ) {
        self.id = id
        self.hosts = hosts
        self.path = path
        self.extract = extract
        self.transforms = transforms
        self.undecodable = undecodable
        self.location = location
    }

    /// `true` when the rule applies to `url` (host and, if set, path).
    public func applies(to url: NormalizedURL) -> Bool {
        var limitHits: [PatternLimitHit] = []
        return applies(to: url, limitHits: &limitHits)
    }

    /// `true` when the rule applies to `url`; a path search that reaches a limit is recorded and does not apply.
    func applies(to url: NormalizedURL, limitHits: inout [PatternLimitHit]) -> Bool {
        guard hosts.contains(where: { $0.subdomain(of: url.host) != nil }) else { return false }
        if let path { return path.firstMatch(in: url.path, limitHits: &limitHits) != nil }
        return true
    }

    /// The wrapped URL, or `nil` when the extract step or a transform fails.
    ///
    /// - Parameters:
    ///   - url: the wrapper URL, parsed.
    ///   - raw: the wrapper URL as text (what `urlRegex` searches).
    public func unwrap(_ url: NormalizedURL, raw: String) -> String? {
        var limitHits: [PatternLimitHit] = []
        return unwrap(url, raw: raw, limitHits: &limitHits)
    }

    /// The wrapped URL, or `nil`; an extract search that reaches a limit is recorded and gives `nil`.
    func unwrap(_ url: NormalizedURL, raw: String, limitHits: inout [PatternLimitHit]) -> String? {
        guard let extract else { return nil }
        var captures: [String: String] = [:]
        let value: String?
        switch extract {
        case .queryParameter(let names):
            value = names.lazy.compactMap { url.queryValue($0) }.first { !$0.isEmpty }
        case .urlRegex(let pattern):
            captures = pattern.firstMatch(in: raw, limitHits: &limitHits) ?? [:]
            value = captures["url"] ?? captures["1"]
        case .pathRegex(let pattern):
            captures = pattern.firstMatch(in: url.path, limitHits: &limitHits) ?? [:]
            value = captures["url"] ?? captures["1"]
        }
        guard var result = value else { return nil }
        for transform in transforms {
            guard let next = transform.apply(result, captures: captures) else { return nil }
            result = next
        }
        result = ASCIIText.trimmingWhitespaceAndNewlines(result)
        guard NormalizedURL(result) != nil else { return nil }
        return result
    }
}
