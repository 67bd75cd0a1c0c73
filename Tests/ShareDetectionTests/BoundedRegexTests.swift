import Foundation
import MailParsing
import Synchronization
import Testing

@testable import ShareDetection

/// A 120-character URL path of `a`s that ends in `!`: `(a+)+$` fails on it only after trying every way to split the
/// `a`s (2^119), unless the search is bounded.
private let catastrophicSubject = "/" + String(repeating: "a", count: 118) + "!"

@Suite("BoundedRegex: PCRE2 with match limits")
struct BoundedRegexTests {
    @Test("A catastrophic pattern on a 120-character URL stops at the match limit and says so")
    func catastrophicPatternHitsLimit() throws {
        #expect(catastrophicSubject.utf8.count == 120)
        let regex = try BoundedRegex("(a+)+$")
        // Bounded work, whatever the machine: the outcome is the limit, not a match and not a plain "no match".
        guard case .limitExceeded(let limit) = regex.firstMatch(in: catastrophicSubject) else {
            Issue.record("expected a limit hit, got \(regex.firstMatch(in: catastrophicSubject))")
            return
        }
        #expect([.matchLimit, .depthLimit, .heapLimit, .jitStackLimit].contains(limit))
        // The same pattern still matches where a match exists.
        guard case .match(let match) = regex.firstMatch(in: "/aaa") else {
            Issue.record("expected a match")
            return
        }
        #expect(match.groups[0] == 1..<4)
    }

    @Test("Limits are per search: a smaller match limit stops a pattern the default lets through")
    func limitsAreConfigurable() throws {
        // About 2,000 backtracking steps before it fails: within the default limit, beyond a limit of 10.
        let subject = String(repeating: "a", count: 16) + "!"
        let pattern = "^(?:a|aa)*$"
        #expect(try BoundedRegex(pattern).firstMatch(in: subject) == .noMatch)
        let tight = try BoundedRegex(pattern, limits: .init(matchLimit: 10))
        #expect(tight.firstMatch(in: subject) == .limitExceeded(.matchLimit))
    }

    @Test("Named groups are reported by number and returned by RulePattern under their names")
    func namedGroups() throws {
        let pattern = try RulePattern("^/(?<type>file|folder)/(?:x/)?(?<n>[1-9][0-9]*)(?:/(?<slug>[^/?#]+))?")
        #expect(pattern.groupNames == ["type", "n", "slug"])
        #expect(pattern.regex.groupNumber(named: "n") == 2)
        let captures = try #require(pattern.firstMatch(in: "/folder/x/42"))
        #expect(captures == ["0": "/folder/x/42", "1": "folder", "type": "folder", "n": "42"])
        // Lookbehind and lookahead are not named groups.
        let look = try RulePattern("(?<=a)(?<!b)(?=c)(?<name>c)")
        #expect(look.groupNames == ["name"])
    }

    @Test("UTF-8 subjects: offsets are bytes, \\w and (?i) are Unicode, invalid UTF-8 is a non-match not an error")
    func utf8() throws {
        let regex = try BoundedRegex("(?<word>\\w+)\\.pdf$")
        let text = "/Präsentation_Q3.pdf"
        guard case .match(let match) = regex.firstMatch(in: text) else {
            Issue.record("no match")
            return
        }
        let range = try #require(match.groups[1])
        #expect(String(decoding: Array(text.utf8)[range], as: UTF8.self) == "Präsentation_Q3")
        #expect(try RulePattern("(?<w>\\w+)").firstMatch(in: "日本語")?["w"] == "日本語")
        #expect(try RulePattern("(?i)^ÉTÉ$").firstMatch(in: "été") != nil)
        // Bytes that are not UTF-8 around a valid run: the valid run still matches, nothing throws or crashes.
        let bytes: [UInt8] = [0xFF, 0xFE] + Array("/doc/42".utf8) + [0xC3]
        #expect(try BoundedRegex("/doc/(\\d+)").firstMatch(in: bytes) != .noMatch)
        #expect(try BoundedRegex("^/doc").firstMatch(in: bytes) == .noMatch)
    }

    @Test("An invalid pattern gives PCRE2's message and the offset where it stopped")
    func invalidPattern() {
        #expect(throws: BoundedRegex.CompileError.self) { try BoundedRegex("^/docs/(?<id>[0-9]+") }
        do {
            _ = try BoundedRegex("^/docs/(?<id>[0-9]+")
        } catch {
            #expect(error.message.contains("missing closing parenthesis"), "\(error)")
            #expect(error.offset == 19)
            #expect("\(error)".hasSuffix("at offset 19"))
        }
    }

    @Test("One compiled pattern is searched from 8 threads at once with the same answers")
    func concurrentSearches() throws {
        let pattern = try RulePattern("^/s/(?<id>[A-Za-z0-9]+)(?:/(?<name>[^/?#]+))?/?$")
        let inputs = (0..<400).map { "/s/id\($0)/name\($0 % 7)" }
        let results = Mutex<[Int: String]>([:])
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for (index, input) in inputs.enumerated() where index % 8 == thread {
                let id = pattern.firstMatch(in: input)?["id"] ?? "?"
                results.withLock { $0[index] = id }
            }
        }
        let all = results.withLock { $0 }
        #expect(all.count == inputs.count)
        #expect(all.allSatisfy { $0.value == "id\($0.key)" })
    }

    @Test("Every built-in pattern compiles under PCRE2, with JIT where the platform has it")
    func builtInPatternsCompile() {
        let rules = RuleSet.builtIn()
        var patterns: [RulePattern] = rules.exclusions.urlPatterns
        for rule in rules.providerRules {
            for pattern in rule.patterns {
                patterns += [pattern.path, pattern.query, pattern.fragment].compactMap(\.self)
            }
        }
        for wrapper in rules.wrapperRules {
            if let path = wrapper.path { patterns.append(path) }
            switch wrapper.extract {
            case .urlRegex(let pattern), .pathRegex(let pattern): patterns.append(pattern)
            default: break
            }
        }
        #expect(patterns.count > 40)
        #if arch(x86_64) || arch(arm64)
            #expect(patterns.allSatisfy { $0.regex.usesJIT })
        #endif
        // Each knows where it was written.
        #expect(patterns.allSatisfy { $0.location.hasPrefix("rules/") })
    }
}

@Suite("Built-in patterns stay within the limits")
struct BuiltInPatternLimitTests {
    /// Long paths, queries and fragments of the shapes the built-in patterns backtrack on most: many slashes, many
    /// dashes, long hex and token runs, repeated parameters.
    static let hostileParts: [String] = {
        let hex = String(repeating: "0123456789abcdef", count: 500)
        return [
            String(repeating: "/a", count: 4000), String(repeating: "/a-b", count: 2000),
            "/" + String(repeating: "a-", count: 4000), "/" + hex, "/s/" + hex + "/x", "/:x:/r/sites/" + hex,
            "/:w:/g/" + String(repeating: "a/", count: 3000) + "token",
            "/document/d/" + String(repeating: "A", count: 8000), "/" + String(repeating: "%3A", count: 2600),
        ]
    }()

    @Test("No built-in pattern reaches a limit on 8 KB paths, queries or fragments on any of its hosts")
    func noLimitHitsOnLongURLs() {
        let rules = RuleSet.builtIn()
        var hosts: Set<String> = []
        for rule in rules.providerRules { hosts.formUnion(rule.hosts.map { $0.isSuffix ? "x." + $0.host : $0.host }) }
        for rule in rules.wrapperRules { hosts.formUnion(rule.hosts.map { $0.isSuffix ? "x." + $0.host : $0.host }) }
        var hits: [PatternLimitHit] = []
        for host in hosts.sorted() {
            for part in Self.hostileParts {
                let query = "id=" + part.dropFirst() + "&" + String(repeating: "resid=a!&", count: 300)
                for url in ["https://\(host)\(part)", "https://\(host)/?\(query)", "https://\(host)/#\(part)"] {
                    _ = rules.classify(url, limitHits: &hits)
                }
            }
        }
        #expect(hits.isEmpty, "\(hits.prefix(3))")
        // The patterns did run on these lengths: an 8 KB document id is still content.
        let long = "https://docs.google.com/document/d/" + String(repeating: "A", count: 8000) + "/edit"
        #expect(rules.classify(long).contentMatch?.ruleID != nil)
    }
}

@Suite("Rule patterns in bounded time: load-time check and reported limit hits")
struct RulePatternLimitTests {
    @Test(
        "Nested unbounded repeats are flagged",
        arguments: ["(a+)+$", "^/(\\w+\\s?)*$", "(?:x*|y)+", "((a+))*", "(a*)*b", "(?<n>[a-z]+)+", "(a+b?){2,}"])
    func flagged(_ pattern: String) {
        #expect(NestedQuantifierCheck.catastrophicGroup(in: pattern) != nil, "\(pattern)")
    }

    @Test(
        "Repeats with a required separator, atomic or possessive repeats and bounded outer repeats are accepted",
        arguments: [
            "^/(?:[^/]+/)*(?<name>[^/]+)$", "(?>a+)+", "(a++)+", "(a+)++", "(a+)?", "(a+){1,3}", "[(a+)+]",
            "\\(a+\\)+", "(?:u/\\d+/)?", "^/(?:.*/)?(?:(?<name>[^/]*)-)?(?<id>[0-9a-fA-F]{32})/?$", "(?i)(?:^|&)id=",
        ])
    func accepted(_ pattern: String) {
        #expect(NestedQuantifierCheck.catastrophicGroup(in: pattern) == nil, "\(pattern)")
    }

    @Test("A catastrophic pattern in a rule file is a load error with file, line and key, as validate reports it")
    func catastrophicRuleIsLoadError() throws {
        let yaml = validRule.replacingOccurrences(of: "'^/docs/(?<id>[0-9]+)'", with: "'^/docs/(?<id>[0-9]+)+$'")
        let error = try #require(try loadError(yaml))
        #expect(error.code == .catastrophicRegex)
        #expect(error.line == 7)
        #expect(error.key == "rules[0].match[0]")
        #expect(error.message.contains("'(?<id>[0-9]+)+' at offset 7"), "\(error)")
        #expect("\(error)".contains("team.yml:7:"))
        // check() (what `share-detector validate` prints) returns it too.
        let folder = try TemporaryFolder()
        let file = try folder.write("team.yml", yaml)
        #expect(RuleSet.check(paths: [file]).first?.code == .catastrophicRegex)
    }

    @Test("An invalid pattern's error names file, line, key, PCRE2's message and the offset")
    func invalidPatternError() throws {
        let yaml = validRule.replacingOccurrences(of: "'^/docs/(?<id>[0-9]+)'", with: "'^/docs/(?<id>[0-9]+'")
        let error = try #require(try loadError(yaml))
        #expect(error.code == .invalidRegex)
        #expect(
            "\(error)".hasSuffix(
                "team.yml:7:9: invalid-regex: rules[0].match[0]: invalid regular expression /^/docs/(?<id>[0-9]+/: "
                    + "missing closing parenthesis at offset 19"), "\(error)")
    }

    /// A rule whose pattern the load-time check cannot see through (alternatives that overlap), but that backtracks
    /// exponentially on a long run of `a`s.
    static let slowRule = """
        rules:
          - id: slow
            provider: Slow
            kind: document
            hosts: [slow.example]
            match:
              - '^/(?:a|aa|aaa)*$'
            contentId: 'slow:{path}'
            actionName: Document Shared
          - id: fallback
            provider: Fallback
            kind: document
            hosts: [slow.example]
            match:
              - '^/(?<id>a+)'
            contentId: 'fallback:{id}'
            actionName: Document Shared
        exclusions:
          urls: ['^https://other\\.example/(?:b|bb|bbb)*$']

        """

    @Test("A limit hit while classifying is a non-match: the next rule runs, and the hit is recorded")
    func limitHitDuringClassification() throws {
        let rules = try RuleSet.parse(files: [("team.yml", Self.slowRule)])
        let url = "https://slow.example" + catastrophicSubject
        var hits: [PatternLimitHit] = []
        let classification = rules.classify(url, limitHits: &hits)
        #expect(classification.contentMatch?.ruleID == "fallback")
        #expect(hits.count == 1)
        #expect(hits.first?.pattern == "^/(?:a|aa|aaa)*$")
        #expect(hits.first?.location == "team.yml:7:9 rules[0].match[0]")
        #expect(hits.first.map { "\($0)" }?.contains("counted as no match") == true)
        // An exclusion pattern that reaches its limit does not exclude, and is recorded.
        hits = []
        let other = rules.classify(
            "https://other.example/" + String(repeating: "b", count: 118) + "!", limitHits: &hits)
        guard case .notContent = other else {
            Issue.record("expected not content, got \(other)")
            return
        }
        #expect(hits.map(\.location) == ["team.yml:19:10 exclusions.urls[0]"])
    }

    @Test("The detector reports a limit hit as a regex-limit defect of the message")
    func detectorReportsLimitHit() throws {
        let rules = try RuleSet.parse(files: [("team.yml", Self.slowRule)])
        // Ends in a letter, so that the link extractor keeps it in the URL.
        let path = "/" + String(repeating: "a", count: 118) + "x"
        var message = MailMessage()
        message.from = [MailAddress(name: nil, address: "ann@northwind.example")]
        message.to = [MailAddress(name: nil, address: "bob@contoso.example")]
        message.bodyParts = [
            BodyPart(
                kind: .plain, path: "1", charset: nil,
                utf8: Array("See https://slow.example\(path)\n".utf8), isInAttachedMessage: false)
        ]
        let result = ShareDetector(rules: rules).detect(message)
        #expect(result.shares.map(\.content.ruleID) == ["fallback"])
        let defect = try #require(result.defects.first)
        #expect(defect.code == "regex-limit")
        #expect(defect.offset == 4)
        #expect(
            defect.item?.contains("pattern /^/(?:a|aa|aaa)*$/ (team.yml:7:9 rules[0].match[0]) reached the") == true)
    }
}
