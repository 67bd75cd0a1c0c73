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

/// A compiled regular expression with its source text and the names of its named groups.
public struct RulePattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written in the rule file.
    public let source: String
    /// The named capture groups (`(?<id>…)`) in the pattern, in order.
    public let groupNames: [String]
    let regex: NSRegularExpression

    /// Compiles `source` (ICU syntax, as `NSRegularExpression`); throws when it is not a valid pattern.
    public init(_ source: String) throws {
        self.source = source
        self.regex = try NSRegularExpression(pattern: source)
        var names: [String] = []
        var rest = Substring(source)
        while let open = rest.range(of: "(?<") {
            let after = rest[open.upperBound...]
            if let first = after.first, first != "=", first != "!", let close = after.firstIndex(of: ">") {
                names.append(String(after[..<close]))
            }
            rest = after
        }
        self.groupNames = names
    }

    /// The pattern as written.
    public var description: String { source }

    /// Searches `text`; on a match returns group 0 as `"0"`, group 1 as `"1"` and each named group that
    /// took part under its name.
    public func firstMatch(in text: String) -> [String: String]? {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        guard let match = regex.firstMatch(in: text, range: range) else { return nil }
        var captures: [String: String] = [:]
        for group in 0..<min(match.numberOfRanges, 2) {
            if let r = Range(match.range(at: group), in: text) { captures[String(group)] = String(text[r]) }
        }
        for name in groupNames {
            if let r = Range(match.range(withName: name), in: text) { captures[name] = String(text[r]) }
        }
        return captures
    }

    /// Equal when the sources are equal.
    public static func == (lhs: RulePattern, rhs: RulePattern) -> Bool { lhs.source == rhs.source }

    /// Hashes the source.
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
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
        guard hosts.contains(where: { $0.subdomain(of: url.host) != nil }) else { return false }
        if let path { return path.firstMatch(in: url.path) != nil }
        return true
    }

    /// The wrapped URL, or `nil` when the extract step or a transform fails.
    ///
    /// - Parameters:
    ///   - url: the wrapper URL, parsed.
    ///   - raw: the wrapper URL as text (what `urlRegex` searches).
    public func unwrap(_ url: NormalizedURL, raw: String) -> String? {
        guard let extract else { return nil }
        var captures: [String: String] = [:]
        let value: String?
        switch extract {
        case .queryParameter(let names):
            value = names.lazy.compactMap { url.queryValue($0) }.first { !$0.isEmpty }
        case .urlRegex(let pattern):
            captures = pattern.firstMatch(in: raw) ?? [:]
            value = captures["url"] ?? captures["1"]
        case .pathRegex(let pattern):
            captures = pattern.firstMatch(in: url.path) ?? [:]
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
