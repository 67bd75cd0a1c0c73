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
        var raw = raw
        if let parts = raw.withUTF8(Self.asciiParts) {
            guard let parts = parts else { return nil }
            self = parts
            return
        }
        self.init(general: raw)
    }

    /// The general parse, by `Character` with Foundation; ``asciiParts(_:)`` gives the same answer faster for ASCII.
    init?(general raw: String) {
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

    /// ``init(_:)`` for pure ASCII input, on bytes: the same steps, where every `Character` is one byte (a CR LF
    /// pair is one `Character`, but no step below can split or match one differently) and Foundation's trimming set
    /// is tab, LF, VT, FF, CR and space. Returns `nil` for non-ASCII input (the caller takes the general path) and
    /// `.some(nil)` for input that is not an absolute http(s) URL.
    private static func asciiParts(_ input: UnsafeBufferPointer<UInt8>) -> NormalizedURL?? {
        guard let base = input.baseAddress else { return .some(nil) }
        for byte in input where byte >= 0x80 { return nil }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        var start = 0
        var end = input.count
        while start < end, isSpace(base[start]) { start += 1 }
        while start < end, isSpace(base[end - 1]) { end -= 1 }
        if end - start >= 2, base[start] == UInt8(ascii: "<"), base[end - 1] == UInt8(ascii: ">") {
            start += 1
            end -= 1
        }
        var text = Array(UnsafeBufferPointer(rebasing: input[start..<end]))
        if text.count >= 5 {
            // `replacingOccurrences(of: "&amp;", with: "&")`: left to right, without overlaps.
            let pattern: [UInt8] = Array("&amp;".utf8)
            var output: [UInt8] = []
            var index = 0
            var replaced = false
            while index < text.count {
                if text[index] == UInt8(ascii: "&"), index + 5 <= text.count,
                    text[index..<(index + 5)].elementsEqual(pattern)
                {
                    if !replaced {
                        output.reserveCapacity(text.count)
                        output.append(contentsOf: text[..<index])
                        replaced = true
                    }
                    output.append(UInt8(ascii: "&"))
                    index += 5
                } else {
                    if replaced { output.append(text[index]) }
                    index += 1
                }
            }
            if replaced { text = output }
        }
        return text.withUnsafeBufferPointer { bytes -> NormalizedURL? in
            let count = bytes.count
            func find(_ byte: UInt8, from: Int, to: Int) -> Int? {
                var index = from
                while index < to {
                    if bytes[index] == byte { return index }
                    index += 1
                }
                return nil
            }
            func string(_ from: Int, _ to: Int) -> String {
                String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
            }
            func lowered(_ from: Int, _ to: Int) -> String {
                String(
                    decoding: bytes[from..<to].lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
            }
            // `range(of: "://")`: the first occurrence.
            var schemeEnd: Int?
            var index = 0
            while index + 3 <= count {
                if bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: "/")
                    && bytes[index + 2] == UInt8(ascii: "/")
                {
                    schemeEnd = index
                    break
                }
                index += 1
            }
            guard let schemeEnd else { return nil }
            let scheme = lowered(0, schemeEnd)
            guard scheme == "http" || scheme == "https" else { return nil }
            let restStart = schemeEnd + 3
            var restEnd = count
            var fragment: String?
            if let hash = find(UInt8(ascii: "#"), from: restStart, to: restEnd) {
                fragment = string(hash + 1, restEnd)
                restEnd = hash
            }
            var query: String?
            if let question = find(UInt8(ascii: "?"), from: restStart, to: restEnd) {
                query = string(question + 1, restEnd)
                restEnd = question
            }
            var authorityEnd = restStart
            while authorityEnd < restEnd, bytes[authorityEnd] != UInt8(ascii: "/"),
                bytes[authorityEnd] != UInt8(ascii: "\\")
            {
                authorityEnd += 1
            }
            var authorityStart = restStart
            var at = authorityEnd
            while at > authorityStart {
                at -= 1
                if bytes[at] == UInt8(ascii: "@") {
                    authorityStart = at + 1
                    break
                }
            }
            var hostEnd = authorityEnd
            var port: Int?
            if authorityEnd > authorityStart, bytes[authorityEnd - 1] != UInt8(ascii: "]") {
                var colon = authorityEnd
                while colon > authorityStart {
                    colon -= 1
                    if bytes[colon] == UInt8(ascii: ":") {
                        if colon + 1 < authorityEnd {
                            guard let value = Int(string(colon + 1, authorityEnd)), (0...65535).contains(value) else {
                                return nil
                            }
                            port = value
                        }
                        hostEnd = colon
                        break
                    }
                }
            }
            while hostEnd > authorityStart, bytes[hostEnd - 1] == UInt8(ascii: ".") { hostEnd -= 1 }
            guard hostEnd > authorityStart else { return nil }
            let host = lowered(authorityStart, hostEnd)
            if port == (scheme == "https" ? 443 : 80) { port = nil }
            var path: String
            if authorityEnd == restEnd {
                path = "/"
            } else if find(UInt8(ascii: "\\"), from: authorityEnd, to: restEnd) != nil {
                path = String(
                    decoding: bytes[authorityEnd..<restEnd].lazy.map {
                        $0 == UInt8(ascii: "\\") ? UInt8(ascii: "/") : $0
                    },
                    as: UTF8.self)
            } else {
                path = string(authorityEnd, restEnd)
            }
            return NormalizedURL(scheme: scheme, host: host, port: port, path: path, query: query, fragment: fragment)
        }
    }

    private init(scheme: String, host: String, port: Int?, path: String, query: String?, fragment: String?) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
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
