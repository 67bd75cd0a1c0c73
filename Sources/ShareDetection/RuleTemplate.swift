/// A text with `{variable}` and `{variable|filter|filter}` placeholders, filled from a match.
///
/// Variables are the named groups of the rule's patterns plus `host`, `subdomain`, `path`, `query`,
/// `fragment`, `url` and `kind`. `{{` and `}}` stand for literal braces. Filters: see `Filter`.
public struct RuleTemplate: Sendable, Hashable, CustomStringConvertible {
    /// A value filter applied inside a placeholder.
    public enum Filter: String, Sendable, Hashable, CaseIterable {
        /// Lowercases.
        case lower
        /// Uppercases.
        case upper
        /// Percent-decodes (`Q3%20Pricing.pdf` → `Q3 Pricing.pdf`).
        case urlDecode = "url_decode"
        /// Formats 32 hex digits (dashed, braced or not) as a lowercase dashed UUID; other text unchanged.
        case uuid
        /// The last non-empty `/`-separated segment.
        case basename
        /// Replaces `-` and `_` with spaces (title slugs such as `Q3-Pricing-Deck`).
        case slug
    }

    enum Segment: Sendable, Hashable {
        case literal(String)
        case variable(String, [Filter])
    }

    /// The template as written.
    public let source: String
    let segments: [Segment]

    /// The variables the template uses.
    public var variables: [String] {
        segments.compactMap { if case .variable(let name, _) = $0 { return name } else { return nil } }
    }

    /// Parses `source`; throws a message when a brace is unbalanced or a filter is unknown.
    public init(_ source: String) throws(TemplateError) {
        self.source = source
        var segments: [Segment] = []
        var literal = ""
        var index = source.startIndex
        while index < source.endIndex {
            let character = source[index]
            let next = source.index(after: index)
            if character == "{" || character == "}", next < source.endIndex, source[next] == character {
                literal.append(character)
                index = source.index(after: next)
                continue
            }
            if character == "}" { throw TemplateError(message: "unbalanced '}' (write '}}' for a literal brace)") }
            guard character == "{" else {
                literal.append(character)
                index = next
                continue
            }
            guard let close = source[next...].firstIndex(of: "}") else {
                throw TemplateError(message: "unclosed '{' (write '{{' for a literal brace)")
            }
            let parts = source[next..<close].split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = parts.first, !name.isEmpty,
                name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            else { throw TemplateError(message: "empty or invalid variable name in '{\(source[next..<close])}'") }
            var filters: [Filter] = []
            for filterName in parts.dropFirst() {
                guard let filter = Filter(rawValue: filterName) else {
                    let known = Filter.allCases.map(\.rawValue).joined(separator: ", ")
                    throw TemplateError(message: "unknown filter '\(filterName)' (known: \(known))")
                }
                filters.append(filter)
            }
            if !literal.isEmpty { segments.append(.literal(literal)) }
            literal = ""
            segments.append(.variable(name, filters))
            index = source.index(after: close)
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
    }

    /// The template as written.
    public var description: String { source }

    /// Fills the template; a variable without a value renders as the empty string.
    public func render(_ values: [String: String]) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text): out += text
            case .variable(let name, let filters):
                out += filters.reduce(values[name] ?? "") { Self.apply($1, to: $0) }
            }
        }
        return out
    }

    static func apply(_ filter: Filter, to value: String) -> String {
        switch filter {
        case .lower: return value.lowercased()
        case .upper: return value.uppercased()
        case .urlDecode: return wrapperPercentDecode(value)
        case .basename: return value.split(separator: "/").last.map(String.init) ?? ""
        case .slug: return String(value.map { $0 == "-" || $0 == "_" ? " " : $0 })
        case .uuid:
            let hex = value.lowercased().filter { $0 != "-" && $0 != "{" && $0 != "}" }
            guard hex.count == 32, hex.allSatisfy(\.isHexDigit) else { return value }
            var out = ""
            for (offset, character) in hex.enumerated() {
                if [8, 12, 16, 20].contains(offset) { out.append("-") }
                out.append(character)
            }
            return out
        }
    }
}

/// Why a template could not be parsed.
public struct TemplateError: Error, Sendable, Hashable {
    /// The explanation.
    public let message: String
}
