import Foundation
import Yams

/// The rules of one file, before files are combined.
struct ParsedRuleFile: Sendable {
    var wrappers: [WrapperRule] = []
    var providers: [ProviderRule] = []
    var exclusions = Exclusions()
}

/// Reads one rule file's YAML into rules, collecting every problem with its file, line and key.
struct RuleFileParser {
    let file: String
    private(set) var errors: [RuleError] = []
    /// The package's one YAML reader (located errors, unknown keys, typed values); this parser collects every problem.
    private var yaml: YAMLNodeReader

    init(file: String) {
        self.file = file
        yaml = YAMLNodeReader(file: file)
    }

    static let topLevelKeys = ["version", "defaults", "rules", "wrappers", "exclusions"]
    static let defaultKeys = ["provider", "kind", "actionName", "hosts", "properties"]
    static let ruleKeys = [
        "id", "description", "provider", "kind", "hosts", "match", "contentId", "contentUrl", "title",
        "actionName", "properties", "examples", "nonExamples",
    ]
    static let wrapperKeys = ["id", "description", "hosts", "path", "extract", "transforms", "undecodable"]
    static let extractKeys = ["queryParam", "urlRegex", "pathRegex"]
    static let patternKeys = ["path", "query", "fragment"]
    static let kindKeys = ["from", "map", "default"]
    static let exclusionKeys = ["domains", "addresses", "urls"]

    // MARK: Errors

    mutating func fail(_ code: RuleError.Code, _ node: Node?, _ key: String, _ message: String) {
        errors.append(yaml.error(code, node, key, message))
    }

    // MARK: Node helpers

    /// The mapping's pairs by key, after reporting unknown keys (with a "did you mean" when close).
    mutating func fields(_ node: Node, _ path: String, allowed: [String]) -> [String: (key: Node, value: Node)]? {
        let (fields, problems) = yaml.fields(node, path, allowed: allowed)
        errors += problems
        guard node.mapping != nil else { return nil }
        var out: [String: (key: Node, value: Node)] = [:]
        for field in fields { out[String(field.path.split(separator: ".").last ?? "")] = (field.key, field.value) }
        return out
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        do { return try yaml.string(node, path, nonEmpty: true) } catch {
            errors.append(error)
            return nil
        }
    }

    mutating func strings(_ node: Node, _ path: String) -> [String]? {
        if case .scalar = node { return string(node, path).map { [$0] } }
        guard case .sequence(let sequence) = node else {
            fail(.invalidValue, node, path, "expected a list of text values")
            return nil
        }
        var out: [String] = []
        for (offset, item) in sequence.enumerated() {
            if let text = string(item, "\(path)[\(offset)]") { out.append(text) }
        }
        return out
    }

    mutating func regex(_ node: Node, _ path: String) -> RulePattern? {
        guard let text = string(node, path) else { return nil }
        let mark = node.mark.map { ":\($0.line):\($0.column)" } ?? ""
        let pattern: RulePattern
        do throws(BoundedRegex.CompileError) {
            pattern = try RulePattern(text, location: file + mark + " " + path)
        } catch {
            fail(.invalidRegex, node, path, "invalid regular expression /\(text)/: \(error)")
            return nil
        }
        if let shape = NestedQuantifierCheck.catastrophicGroup(in: text) {
            fail(
                .catastrophicRegex, node, path,
                "regular expression /\(text)/ can backtrack catastrophically: \(shape); "
                    + "make the inner repeat possessive (a++) or atomic ((?>a+)), or require a separator in the group")
            return nil
        }
        return pattern
    }

    mutating func template(_ node: Node, _ path: String) -> RuleTemplate? {
        guard let text = string(node, path) else { return nil }
        do throws(TemplateError) {
            return try RuleTemplate(text)
        } catch {
            fail(.invalidTemplate, node, path, "\(error.message) in '\(text)'")
            return nil
        }
    }

    mutating func hosts(_ node: Node, _ path: String) -> [HostPattern]? {
        guard let texts = strings(node, path) else { return nil }
        var out: [HostPattern] = []
        for text in texts {
            guard let pattern = HostPattern(text) else {
                fail(.invalidValue, node, path, "'\(text)' is not a host or '*.suffix' pattern")
                continue
            }
            out.append(pattern)
        }
        if out.isEmpty { fail(.invalidValue, node, path, "at least one host is required") }
        return out.isEmpty ? nil : out
    }

    // MARK: File

    mutating func parse(_ text: String) -> ParsedRuleFile {
        var result = ParsedRuleFile()
        let root: Node?
        do { root = try YAMLNodeReader.compose(text, file: file) } catch {
            errors.append(error)
            return result
        }
        guard let root else { return result }
        guard let top = fields(root, "", allowed: Self.topLevelKeys) else { return result }
        if let version = top["version"], version.value.int != 1 {
            fail(.invalidValue, version.value, "version", "only version 1 is supported")
        }
        var defaults: [String: (key: Node, value: Node)] = [:]
        if let node = top["defaults"] {
            defaults = fields(node.value, "defaults", allowed: Self.defaultKeys) ?? [:]
        }
        if let node = top["rules"] {
            result.providers = providerRules(node.value, defaults: defaults)
        }
        if let node = top["wrappers"] {
            result.wrappers = wrapperRules(node.value)
        }
        if let node = top["exclusions"] {
            result.exclusions = exclusions(node.value)
        }
        return result
    }

    // MARK: Provider rules

    mutating func providerRules(_ node: Node, defaults: [String: (key: Node, value: Node)]) -> [ProviderRule] {
        guard case .sequence(let sequence) = node else {
            fail(.invalidValue, node, "rules", "expected a list of rules (each item starts with '- id:')")
            return []
        }
        var out: [ProviderRule] = []
        for (offset, item) in sequence.enumerated() {
            if let rule = providerRule(item, "rules[\(offset)]", defaults: defaults) { out.append(rule) }
        }
        return out
    }

    mutating func providerRule(
        _ node: Node, _ path: String, defaults: [String: (key: Node, value: Node)]
    ) -> ProviderRule? {
        guard var fields = fields(node, path, allowed: Self.ruleKeys) else { return nil }
        let errorCount = errors.count
        var fieldPath: [String: String] = [:]
        for (name, value) in defaults where fields[name] == nil {
            fields[name] = value
            fieldPath[name] = join("defaults", name)
        }
        func at(_ name: String) -> String { fieldPath[name] ?? join(path, name) }
        for name in ["id", "provider", "kind", "hosts", "match", "contentId", "actionName"] where fields[name] == nil {
            fail(.missingKey, node, join(path, name), "missing required key '\(name)'")
        }
        let id = fields["id"].flatMap { string($0.value, at("id")) }
        if let id, !id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
            fail(.invalidValue, fields["id"]?.value, at("id"), "ids use letters, digits, '-', '_' and '.' only")
        }
        let provider = fields["provider"].flatMap { string($0.value, at("provider")) }
        let hosts = fields["hosts"].flatMap { self.hosts($0.value, at("hosts")) }
        let patterns = fields["match"].flatMap { self.patterns($0.value, at("match")) }
        let groups = (patterns ?? []).reduce(into: Set<String>()) { $0.formUnion($1.groupNames) }
        let everyPatternGroups = (patterns ?? []).map(\.groupNames).reduce(groups) { $0.intersection($1) }
        let known = groups.union(ProviderRule.builtInVariables)
        let kind = fields["kind"].flatMap { kindSpec($0.value, at("kind"), groups: groups) }
        let contentId = fields["contentId"].flatMap {
            checkedTemplate($0.value, at("contentId"), known: everyPatternGroups.union(ProviderRule.builtInVariables))
        }
        let contentUrl = fields["contentUrl"].flatMap { checkedTemplate($0.value, at("contentUrl"), known: known) }
        let title = fields["title"].flatMap { checkedTemplate($0.value, at("title"), known: known) }
        let actionName = fields["actionName"].flatMap { checkedTemplate($0.value, at("actionName"), known: known) }
        var properties: [String: RuleTemplate] = [:]
        if let node = fields["properties"] {
            if case .mapping(let mapping) = node.value {
                for (key, value) in mapping {
                    guard let name = key.string else { continue }
                    if let template = checkedTemplate(value, join(at("properties"), name), known: known) {
                        properties[name] = template
                    }
                }
            } else {
                fail(.invalidValue, node.value, at("properties"), "expected a mapping of property names to templates")
            }
        }
        if let description = fields["description"] { _ = string(description.value, at("description")) }
        guard errors.count == errorCount, let id, let provider, let kind, let hosts, let patterns, let contentId,
            let actionName
        else { return nil }
        let line = node.mark.map { ":\($0.line)" } ?? ""
        let rule = ProviderRule(
            id: id, provider: provider, kind: kind, hosts: hosts, patterns: patterns, contentId: contentId,
            contentUrl: contentUrl, title: title, actionName: actionName, properties: properties,
            location: file + line)
        checkExamples(rule, fields["examples"], path: at("examples"), shouldMatch: true)
        checkExamples(rule, fields["nonExamples"], path: at("nonExamples"), shouldMatch: false)
        return errors.count == errorCount ? rule : nil
    }

    mutating func checkExamples(
        _ rule: ProviderRule, _ field: (key: Node, value: Node)?, path: String, shouldMatch: Bool
    ) {
        guard let field else { return }
        let items: [Node]
        if case .sequence(let sequence) = field.value { items = Array(sequence) } else { items = [field.value] }
        for (offset, item) in items.enumerated() {
            let itemPath = "\(path)[\(offset)]"
            guard let text = string(item, itemPath) else { continue }
            guard let url = NormalizedURL(text) else {
                fail(.invalidValue, item, itemPath, "'\(text)' is not an absolute http(s) URL")
                continue
            }
            var limitHits: [PatternLimitHit] = []
            let matched = rule.match(url, limitHits: &limitHits) != nil
            if let hit = limitHits.first {
                fail(.catastrophicRegex, item, itemPath, "example '\(text)': \(hit)")
            } else if matched != shouldMatch {
                let verb = shouldMatch ? "does not match" : "matches"
                fail(.invalidValue, item, itemPath, "example '\(text)' \(verb) rule '\(rule.id)'")
            }
        }
    }

    mutating func checkedTemplate(_ node: Node, _ path: String, known: Set<String>) -> RuleTemplate? {
        guard let template = template(node, path) else { return nil }
        for variable in template.variables where !known.contains(variable) {
            let names = known.sorted().joined(separator: ", ")
            fail(
                .invalidTemplate, node, path,
                "unknown variable '{\(variable)}' (a named group in every pattern, or one of: \(names))")
            return nil
        }
        return template
    }

    mutating func kindSpec(_ node: Node, _ path: String, groups: Set<String>) -> KindSpec? {
        if case .scalar = node {
            return checkedTemplate(node, path, known: groups.union(ProviderRule.builtInVariables).subtracting(["kind"]))
                .map(KindSpec.fixed)
        }
        guard let fields = fields(node, path, allowed: Self.kindKeys) else { return nil }
        guard let from = fields["from"] else {
            fail(.missingKey, node, join(path, "from"), "missing required key 'from' (the named group to look up)")
            return nil
        }
        guard let fromName = string(from.value, join(path, "from")) else { return nil }
        if !groups.contains(fromName) {
            fail(.invalidValue, from.value, join(path, "from"), "'\(fromName)' is not a named group of any pattern")
        }
        var map: [String: String] = [:]
        if let mapNode = fields["map"] {
            if case .mapping(let mapping) = mapNode.value {
                for (key, value) in mapping {
                    if let k = key.string, let v = string(value, join(join(path, "map"), k)) { map[k.lowercased()] = v }
                }
            } else {
                fail(.invalidValue, mapNode.value, join(path, "map"), "expected a mapping of captured values to kinds")
            }
        }
        let defaultKind = fields["default"].flatMap { string($0.value, join(path, "default")) } ?? "file"
        return .lookup(from: fromName, map: map, defaultKind: defaultKind)
    }

    mutating func patterns(_ node: Node, _ path: String) -> [ProviderPattern]? {
        let items: [Node]
        switch node {
        case .sequence(let sequence): items = Array(sequence)
        case .scalar, .mapping: items = [node]
        default:
            fail(.invalidValue, node, path, "expected a list of patterns")
            return nil
        }
        var out: [ProviderPattern] = []
        for (offset, item) in items.enumerated() {
            let itemPath = "\(path)[\(offset)]"
            if case .scalar = item {
                if let regex = regex(item, itemPath) { out.append(ProviderPattern(path: regex)) }
                continue
            }
            guard let fields = fields(item, itemPath, allowed: Self.patternKeys) else { continue }
            guard !fields.isEmpty else {
                fail(.missingKey, item, join(itemPath, "path"), "a pattern needs 'path', 'query' or 'fragment'")
                continue
            }
            let pathRegex = fields["path"].flatMap { regex($0.value, join(itemPath, "path")) }
            let query = fields["query"].flatMap { regex($0.value, join(itemPath, "query")) }
            let fragment = fields["fragment"].flatMap { regex($0.value, join(itemPath, "fragment")) }
            out.append(ProviderPattern(path: pathRegex, query: query, fragment: fragment))
        }
        for (offset, pattern) in out.enumerated() {
            let reserved = pattern.groupNames.intersection(ProviderRule.builtInVariables).sorted()
            if let name = reserved.first {
                fail(
                    .invalidRegex, items[min(offset, items.count - 1)], "\(path)[\(offset)]",
                    "group name '\(name)' is reserved for the built-in variable; choose another name")
            }
        }
        if out.isEmpty && items.isEmpty { fail(.invalidValue, node, path, "at least one pattern is required") }
        return out
    }

    // MARK: Wrappers

    mutating func wrapperRules(_ node: Node) -> [WrapperRule] {
        guard case .sequence(let sequence) = node else {
            fail(.invalidValue, node, "wrappers", "expected a list of wrapper rules (each item starts with '- id:')")
            return []
        }
        var out: [WrapperRule] = []
        for (offset, item) in sequence.enumerated() {
            if let rule = wrapperRule(item, "wrappers[\(offset)]") { out.append(rule) }
        }
        return out
    }

    mutating func wrapperRule(_ node: Node, _ path: String) -> WrapperRule? {
        guard let fields = fields(node, path, allowed: Self.wrapperKeys) else { return nil }
        let errorCount = errors.count
        for name in ["id", "hosts"] where fields[name] == nil {
            fail(.missingKey, node, join(path, name), "missing required key '\(name)'")
        }
        let id = fields["id"].flatMap { string($0.value, join(path, "id")) }
        let hosts = fields["hosts"].flatMap { self.hosts($0.value, join(path, "hosts")) }
        let pathRegex = fields["path"].flatMap { regex($0.value, join(path, "path")) }
        var undecodable = false
        if let node = fields["undecodable"] {
            if let value = node.value.bool {
                undecodable = value
            } else {
                fail(.invalidValue, node.value, join(path, "undecodable"), "expected true or false")
            }
        }
        var extract: WrapperRule.Extract?
        if let node = fields["extract"] {
            extract = extractStep(node.value, join(path, "extract"))
        } else if !undecodable {
            fail(.missingKey, node, join(path, "extract"), "missing required key 'extract' (or 'undecodable: true')")
        }
        var transforms: [WrapperTransform] = []
        if let node = fields["transforms"], let names = strings(node.value, join(path, "transforms")) {
            for name in names {
                if let transform = WrapperTransform(rawValue: name) {
                    transforms.append(transform)
                } else {
                    let known = WrapperTransform.allCases.map(\.rawValue).joined(separator: ", ")
                    fail(
                        .invalidValue, node.value, join(path, "transforms"),
                        "unknown transform '\(name)' (known: \(known))")
                }
            }
        }
        if let description = fields["description"] { _ = string(description.value, join(path, "description")) }
        guard errors.count == errorCount, let id, let hosts else { return nil }
        let line = node.mark.map { ":\($0.line)" } ?? ""
        return WrapperRule(
            id: id, hosts: hosts, path: pathRegex, extract: extract, transforms: transforms, undecodable: undecodable,
            location: file + line)
    }

    mutating func extractStep(_ node: Node, _ path: String) -> WrapperRule.Extract? {
        guard let fields = fields(node, path, allowed: Self.extractKeys) else { return nil }
        guard fields.count == 1, let (name, field) = fields.first else {
            fail(.invalidValue, node, path, "give exactly one of: " + Self.extractKeys.joined(separator: ", "))
            return nil
        }
        switch name {
        case "queryParam": return strings(field.value, join(path, name)).map { .queryParameter($0) }
        case "urlRegex": return regex(field.value, join(path, name)).map { .urlRegex($0) }
        default: return regex(field.value, join(path, name)).map { .pathRegex($0) }
        }
    }

    // MARK: Exclusions

    mutating func exclusions(_ node: Node) -> Exclusions {
        guard let fields = fields(node, "exclusions", allowed: Self.exclusionKeys) else { return Exclusions() }
        var domains: [String] = []
        for text in fields["domains"].flatMap({ strings($0.value, "exclusions.domains") }) ?? [] {
            let domain = text.hasPrefix("*.") ? String(text.dropFirst(2)) : text
            if HostPattern(domain) == nil, let node = fields["domains"]?.value {
                fail(.invalidValue, node, "exclusions.domains", "'\(text)' is not a domain")
            } else {
                domains.append(domain.lowercased())
            }
        }
        var addresses: Set<String> = []
        for text in fields["addresses"].flatMap({ strings($0.value, "exclusions.addresses") }) ?? [] {
            let address = text.trimmingCharacters(in: .whitespaces)
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            if parts.count != 2 || parts[0].isEmpty || parts[1].isEmpty, let node = fields["addresses"]?.value {
                fail(.invalidValue, node, "exclusions.addresses", "'\(text)' is not a mail address")
            } else {
                addresses.insert(address.lowercased())
            }
        }
        var patterns: [RulePattern] = []
        if let node = fields["urls"] {
            let items: [Node]
            if case .sequence(let sequence) = node.value { items = Array(sequence) } else { items = [node.value] }
            for (offset, item) in items.enumerated() {
                if let pattern = regex(item, "exclusions.urls[\(offset)]") { patterns.append(pattern) }
            }
        }
        return Exclusions(domains: domains, addresses: addresses, urlPatterns: patterns)
    }
}

private func join(_ path: String, _ key: String) -> String {
    path.isEmpty ? key : path + "." + key
}

/// Levenshtein distance, for "did you mean" hints on short keys (rule files and team configs).
public func ruleEditDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
