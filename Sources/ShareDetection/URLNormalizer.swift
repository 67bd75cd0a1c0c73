import Foundation

/// A URL split into the parts the rules look at, with the host lowercased and the default port dropped.
///
/// The parser is deliberately lenient: mail links are often not valid RFC 3986 URLs (raw spaces,
/// unescaped `|` or non-ASCII characters), so it splits on the structural characters only and never
/// re-encodes what it keeps.
public struct NormalizedURL: Sendable, Hashable {
    /// The scheme, lowercased (`https`).
    public var scheme: String
    /// The host, lowercased, without a trailing dot, user info or port.
    public var host: String
    /// The port when it is not the scheme's default, else `nil`.
    public var port: Int?
    /// The path exactly as written (still percent-encoded), `/` when empty.
    public var path: String
    /// The query without the leading `?`, `nil` when the URL has none.
    public var query: String?
    /// The fragment without the leading `#`, `nil` when the URL has none.
    public var fragment: String?

    /// Parses an absolute `http`/`https` URL; `nil` for anything else.
    ///
    /// A literal `&amp;` (an HTML escape that survived extraction) is read as `&`.
    public init?(_ raw: String) {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("<") && text.hasSuffix(">") {
            text = String(text.dropFirst().dropLast())
        }
        if text.contains("&amp;") {
            text = text.replacingOccurrences(of: "&amp;", with: "&")
        }
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = text[schemeEnd.upperBound...]
        var fragment: String?
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        var query: String?
        if let question = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "\\" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        var hostPart = authority
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let portText = authority[authority.index(after: colon)...]
            if !portText.isEmpty {
                guard let value = Int(portText), (0...65535).contains(value) else { return nil }
                port = value
            }
            hostPart = authority[..<colon]
        }
        var host = hostPart.lowercased()
        while host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty else { return nil }
        if port == (scheme == "https" ? 443 : 80) { port = nil }
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path.isEmpty ? "/" : path.replacingOccurrences(of: "\\", with: "/")
        self.query = query
        self.fragment = fragment
    }

    /// The URL put back together.
    public var string: String {
        var out = scheme + "://" + host
        if let port { out += ":\(port)" }
        out += path
        if let query { out += "?" + query }
        if let fragment { out += "#" + fragment }
        return out
    }

    /// The query split on `&` into raw (still percent-encoded) name/value pairs, in order.
    public var queryItems: [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
            }
            return (String(pair), "")
        }
    }

    /// The raw value of the first query parameter named `name` (case-sensitive), if present.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// This URL without pure tracking parameters (`utm_*`, `fbclid`, `gclid`, `mc_cid`, `mc_eid`,
    /// `_hsenc`, `_hsmi`); every other parameter, access keys included, stays in order.
    public func droppingTrackingParameters() -> NormalizedURL {
        guard let query else { return self }
        let kept = query.split(separator: "&", omittingEmptySubsequences: false).filter { pair in
            let name = (pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? "").lowercased()
            return !(name.hasPrefix("utm_") || Self.trackingParameters.contains(name))
        }
        var copy = self
        copy.query = kept.isEmpty ? nil : kept.joined(separator: "&")
        return copy
    }

    static let trackingParameters: Set<String> = ["fbclid", "gclid", "mc_cid", "mc_eid", "_hsenc", "_hsmi"]
}
