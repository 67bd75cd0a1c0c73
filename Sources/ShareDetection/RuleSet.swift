import Foundation

/// Every wrapper rule, provider rule and exclusion in force, with a host index for fast classification.
///
/// Build one with `builtIn()` (the rules shipped in the binary), `load(paths:)` (a team's files or
/// folders) and `merged(with:)`: `try RuleSet.builtIn().merged(with: RuleSet.load(paths: ["rules"]))`.
public struct RuleSet: Sendable {
    /// Removes link-protection wrappers.
    public let unwrapper: URLUnwrapper
    /// Domains, addresses and URL patterns to ignore.
    public let exclusions: Exclusions
    /// Provider rules in priority order: the first rule whose host and pattern match wins.
    public let providerRules: [ProviderRule]
    /// The rule files this set was read from, in load order.
    public let sources: [String]
    private let index: HostIndex

    /// Creates a rule set from rules already built.
    public init(
        wrappers: [WrapperRule] = [], providers: [ProviderRule] = [], exclusions: Exclusions = .none,
        sources: [String] = [], maxUnwrapDepth: Int = 5
    ) {
        self.unwrapper = URLUnwrapper(rules: wrappers, maxDepth: maxUnwrapDepth)
        self.providerRules = providers
        self.exclusions = exclusions
        self.sources = sources
        var index = HostIndex()
        for (number, rule) in providers.enumerated() { index.add(rule.hosts, ruleIndex: number) }
        self.index = index
    }

    /// The wrapper rules, in priority order.
    public var wrapperRules: [WrapperRule] { unwrapper.rules }

    /// A set with no rules at all.
    public static let empty = RuleSet()

    // MARK: Loading

    /// Loads rule files. Each path is a file or a folder; folders are searched recursively for
    /// `*.yml` / `*.yaml` files (in path order), skipping any folder named `tests` (rule fixtures).
    /// Throws the first problem found; `check(paths:)` lists them all.
    public static func load(paths: [String]) throws(RuleError) -> RuleSet {
        let (set, errors) = collect(paths: paths)
        if let first = errors.first { throw first }
        return set
    }

    /// Every problem in the rule files at `paths` (empty when they load cleanly).
    public static func check(paths: [String]) -> [RuleError] {
        collect(paths: paths).errors
    }

    /// Parses rule files already in memory, `(file name, YAML text)`, in order. Errors name `file`.
    public static func parse(files: [(path: String, text: String)]) throws(RuleError) -> RuleSet {
        let (set, errors) = build(files: files)
        if let first = errors.first { throw first }
        return set
    }

    /// The rules shipped with the tool (the `rules/` folder, embedded at build time by
    /// `scripts/embed-rules.sh`), so the binary works from any directory.
    public static func builtIn() -> RuleSet { builtInRuleSet }

    private static let builtInRuleSet: RuleSet = {
        do {
            return try parse(files: BuiltInRules.files)
        } catch {
            preconditionFailure("built-in rules are invalid (run scripts/embed-rules.sh and the tests): \(error)")
        }
    }()

    private static func collect(paths: [String]) -> (RuleSet, errors: [RuleError]) {
        var files: [(path: String, text: String)] = []
        var errors: [RuleError] = []
        for path in paths {
            for file in ruleFiles(at: path, errors: &errors) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    errors.append(RuleError(code: .unreadableFile, file: file, message: "cannot read the file"))
                    continue
                }
                guard let text = String(validating: data, as: UTF8.self) else {
                    errors.append(RuleError(code: .unreadableFile, file: file, message: "the file is not UTF-8 text"))
                    continue
                }
                files.append((file, text))
            }
        }
        let (set, parseErrors) = build(files: files)
        return (set, errors + parseErrors)
    }

    private static func ruleFiles(at path: String, errors: inout [RuleError]) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            errors.append(RuleError(code: .unreadableFile, file: path, message: "no such file or folder"))
            return []
        }
        guard isDirectory.boolValue else { return [path] }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            errors.append(RuleError(code: .unreadableFile, file: path, message: "cannot list the folder"))
            return []
        }
        var out: [String] = []
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let child = path.hasSuffix("/") ? path + entry : path + "/" + entry
            var childIsDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: child, isDirectory: &childIsDirectory)
            if childIsDirectory.boolValue {
                if entry != "tests" { out += ruleFiles(at: child, errors: &errors) }
            } else if entry.hasSuffix(".yml") || entry.hasSuffix(".yaml") {
                out.append(child)
            }
        }
        return out
    }

    private static func build(files: [(path: String, text: String)]) -> (RuleSet, errors: [RuleError]) {
        var wrappers: [WrapperRule] = []
        var providers: [ProviderRule] = []
        var exclusions = Exclusions()
        var errors: [RuleError] = []
        var seen: [String: String] = [:]
        for file in files {
            var parser = RuleFileParser(file: file.path)
            let parsed = parser.parse(file.text)
            errors += parser.errors
            let rules: [(id: String, location: String, kind: String)] =
                parsed.wrappers.map { ($0.id, $0.location, "wrappers") }
                + parsed.providers.map { ($0.id, $0.location, "rules") }
            for rule in rules {
                if let previous = seen[rule.id] {
                    let parts = rule.location.split(separator: ":")
                    errors.append(
                        RuleError(
                            code: .duplicateID, file: file.path, line: parts.last.flatMap { Int($0) } ?? 0,
                            key: "\(rule.kind).id",
                            message: "rule id '\(rule.id)' is already used at \(previous); ids must be unique"))
                } else {
                    seen[rule.id] = rule.location
                }
            }
            wrappers += parsed.wrappers
            providers += parsed.providers
            exclusions = exclusions.merged(with: parsed.exclusions)
        }
        let set = RuleSet(
            wrappers: wrappers, providers: providers, exclusions: exclusions, sources: files.map(\.path))
        return (set, errors)
    }

    // MARK: Combining

    /// This set combined with `other` (a team's rules): `other`'s wrapper and provider rules come first,
    /// so they win on the same URL; a rule of `other` with the same id replaces this set's rule;
    /// exclusions are united.
    public func merged(with other: RuleSet) -> RuleSet {
        let wrapperIDs = Set(other.wrapperRules.map(\.id))
        let providerIDs = Set(other.providerRules.map(\.id))
        return RuleSet(
            wrappers: other.wrapperRules + wrapperRules.filter { !wrapperIDs.contains($0.id) },
            providers: other.providerRules + providerRules.filter { !providerIDs.contains($0.id) },
            exclusions: exclusions.merged(with: other.exclusions), sources: sources + other.sources,
            maxUnwrapDepth: unwrapper.maxDepth)
    }

    // MARK: Classification

    /// The provider rules that name `host` (exactly or by suffix), in priority order.
    public func providerRules(forHost host: String) -> [ProviderRule] {
        index.candidates(for: host.lowercased()).map { providerRules[$0] }
    }

    /// Unwraps, normalises and matches one URL: a content share, not content, excluded, or behind an
    /// undecodable wrapper. Looks up the host in a dictionary first and runs the patterns of the rules
    /// for that host only.
    public func classify(_ rawURL: String) -> Classification {
        var limitHits: [PatternLimitHit] = []
        return classify(rawURL, limitHits: &limitHits)
    }

    /// ``classify(_:)``, recording every wrapper, exclusion or provider pattern search that reached a limit of
    /// ``BoundedRegex`` (each counted as no match, so the link goes on to the next rule).
    public func classify(_ rawURL: String, limitHits: inout [PatternLimitHit]) -> Classification {
        let unwrapped = unwrapper.unwrap(rawURL, limitHits: &limitHits)
        guard let url = NormalizedURL(unwrapped.url) else {
            return .notContent(reason: "not an absolute http(s) URL", unwrapped)
        }
        if let wrapper = unwrapped.undecodableWrapper {
            return .undecodableWrapper(wrapper, unwrapped)
        }
        if let reason = exclusions.reason(for: url, limitHits: &limitHits) {
            return .excluded(reason: reason, unwrapped)
        }
        let candidates = index.candidates(for: url.host)
        guard !candidates.isEmpty else {
            return .notContent(reason: "no provider rule for host \(url.host)", unwrapped)
        }
        for number in candidates {
            if let match = providerRules[number].match(url, limitHits: &limitHits) { return .content(match, unwrapped) }
        }
        let ids = candidates.map { providerRules[$0].id }.joined(separator: ", ")
        return .notContent(reason: "no pattern of rules [\(ids)] matches \(url.host)\(url.path)", unwrapped)
    }
}
