import Foundation
import Testing

@testable import ShareDetection

/// A fresh temporary folder, removed when the value goes away.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "rules-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` (sub-folders created) and returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

/// The error `RuleSet.load` throws for `yaml` written to a file named `name`.
func loadError(_ yaml: String, name: String = "team.yml") throws -> RuleError? {
    let folder = try TemporaryFolder()
    let file = try folder.write(name, yaml)
    do {
        _ = try RuleSet.load(paths: [file])
        return nil
    } catch {
        #expect(error.file == file)
        return error
    }
}

let validRule = """
    rules:
      - id: northwind-cms
        provider: Northwind CMS
        kind: document
        hosts: [cms.northwind.example]
        match:
          - '^/docs/(?<id>[0-9]+)'
        contentId: 'northwind:{id}'
        actionName: Collateral Shared

    """

@Suite("Rule files: loading and errors")
struct RuleLoadingTests {
    @Test("A custom rule loads and classifies")
    func customRule() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("team.yml", validRule)
        let rules = try RuleSet.load(paths: [file])
        #expect(rules.providerRules.map(\.id) == ["northwind-cms"])
        #expect(rules.providerRules.first?.location == file + ":2")
        let match = try #require(rules.classify("https://CMS.northwind.example/docs/42?utm_source=x").contentMatch)
        #expect(match.contentId == "northwind:42")
        #expect(match.contentUrl == "https://cms.northwind.example/docs/42")
        #expect(match.actionName == "Collateral Shared")
        #expect(
            match.contentProperties == [
                "provider": "Northwind CMS", "contentType": "document", "ruleId": "northwind-cms",
            ])
    }

    @Test("Folders are read recursively in path order, skipping tests/ and other files")
    func folders() throws {
        let folder = try TemporaryFolder()
        try folder.write("b/second.yaml", validRule.replacingOccurrences(of: "northwind-cms", with: "b-rule"))
        try folder.write("a.yml", validRule.replacingOccurrences(of: "northwind-cms", with: "a-rule"))
        try folder.write("tests/fixture.yml", "this: [is not: a rule file")
        try folder.write("README.md", "# not YAML")
        let rules = try RuleSet.load(paths: [folder.path])
        #expect(rules.providerRules.map(\.id) == ["a-rule", "b-rule"])
        #expect(rules.sources.count == 2)
    }

    @Test("A missing path is an error naming it")
    func missingPath() {
        #expect(throws: RuleError.self) { try RuleSet.load(paths: ["/nonexistent/rules.yml"]) }
        let errors = RuleSet.check(paths: ["/nonexistent/rules.yml"])
        #expect(errors.map(\.code) == [.unreadableFile])
        #expect(errors.first?.file == "/nonexistent/rules.yml")
    }

    struct BrokenCase: Sendable, CustomTestStringConvertible {
        let name: String
        let yaml: String
        let code: RuleError.Code
        let line: Int
        let key: String
        let messageContains: String
        var testDescription: String { name }
    }

    static let broken: [BrokenCase] = [
        .init(
            name: "YAML syntax", yaml: "rules:\n  - id: x\n    hosts: [a.example\n", code: .yamlSyntax, line: 4,
            key: "",
            messageContains: "flow sequence"),
        .init(
            name: "unknown key with a hint", yaml: validRule.replacingOccurrences(of: "hosts:", with: "hots:"),
            code: .unknownKey, line: 5, key: "rules[0].hots", messageContains: "did you mean 'hosts'"),
        .init(
            name: "unknown top-level key", yaml: "providers: []\n", code: .unknownKey, line: 1, key: "providers",
            messageContains: "allowed: version, defaults, rules, wrappers, exclusions"),
        .init(
            name: "missing field",
            yaml: validRule.replacingOccurrences(of: "    contentId: 'northwind:{id}'\n", with: ""),
            code: .missingKey, line: 2, key: "rules[0].contentId", messageContains: "missing required key"),
        .init(
            name: "bad regex",
            yaml: validRule.replacingOccurrences(of: "'^/docs/(?<id>[0-9]+)'", with: "'^/docs/(?<id>[0-9]+'"),
            code: .invalidRegex, line: 7, key: "rules[0].match[0]", messageContains: "invalid regular expression"),
        .init(
            name: "unknown template variable",
            yaml: validRule.replacingOccurrences(of: "'northwind:{id}'", with: "'northwind:{docId}'"),
            code: .invalidTemplate, line: 8, key: "rules[0].contentId", messageContains: "unknown variable '{docId}'"),
        .init(
            name: "unknown filter",
            yaml: validRule.replacingOccurrences(of: "'northwind:{id}'", with: "'northwind:{id|rot13}'"),
            code: .invalidTemplate, line: 8, key: "rules[0].contentId", messageContains: "unknown filter 'rot13'"),
        .init(
            name: "bad host",
            yaml: validRule.replacingOccurrences(of: "[cms.northwind.example]", with: "['https://x/']"),
            code: .invalidValue, line: 5, key: "rules[0].hosts", messageContains: "not a host"),
        .init(
            name: "duplicate id",
            yaml: validRule
                + validRule.replacingOccurrences(of: "rules:\n", with: "").replacingOccurrences(
                    of: "cms.northwind", with: "cms2.northwind"),
            code: .duplicateID, line: 10, key: "rules.id", messageContains: "already used at"),
        .init(
            name: "duplicate YAML key",
            yaml: validRule.replacingOccurrences(of: "    kind: document\n", with: "    kind: a\n    kind: b\n"),
            code: .yamlSyntax, line: 4, key: "", messageContains: "duplicate key 'kind'"),
        .init(
            name: "unknown transform",
            yaml:
                "wrappers:\n  - id: w\n    hosts: [w.example]\n    extract: {queryParam: [u]}\n    transforms: [rot13]\n",
            code: .invalidValue, line: 5, key: "wrappers[0].transforms", messageContains: "unknown transform 'rot13'"),
        .init(
            name: "wrapper without extract", yaml: "wrappers:\n  - id: w\n    hosts: [w.example]\n", code: .missingKey,
            line: 2,
            key: "wrappers[0].extract", messageContains: "undecodable: true"),
        .init(
            name: "two extract steps",
            yaml: "wrappers:\n  - id: w\n    hosts: [w.example]\n    extract: {queryParam: [u], urlRegex: 'u=(.*)'}\n",
            code: .invalidValue, line: 4, key: "wrappers[0].extract", messageContains: "exactly one of"),
        .init(
            name: "failing inline example",
            yaml: validRule.replacingOccurrences(
                of: "    actionName: Collateral Shared\n",
                with: "    actionName: Collateral Shared\n    examples: [https://cms.northwind.example/about]\n"),
            code: .invalidValue, line: 10, key: "rules[0].examples[0]",
            messageContains: "does not match rule 'northwind-cms'"),
        .init(
            name: "kind lookup from an unknown group",
            yaml: validRule.replacingOccurrences(of: "kind: document", with: "kind: {from: type, map: {a: b}}"),
            code: .invalidValue, line: 4, key: "rules[0].kind.from", messageContains: "not a named group"),
        .init(
            name: "bad exclusion address", yaml: "exclusions:\n  addresses: [alice.example]\n", code: .invalidValue,
            line: 2,
            key: "exclusions.addresses", messageContains: "not a mail address"),
        .init(
            name: "reserved group name",
            yaml: validRule.replacingOccurrences(of: "(?<id>[0-9]+)", with: "(?<id>[0-9]+)/(?<host>[a-z]+)"),
            code: .invalidRegex, line: 7, key: "rules[0].match[0]", messageContains: "reserved"),
        .init(
            name: "rules not a list", yaml: "rules:\n  id: x\n", code: .invalidValue, line: 2, key: "rules",
            messageContains: "expected a list"),
    ]

    @Test("Broken rule files give an error with file, line and key", arguments: broken)
    func brokenFile(_ example: BrokenCase) throws {
        let error = try #require(try loadError(example.yaml))
        #expect(error.code == example.code)
        #expect(error.line == example.line, "\(error)")
        #expect(error.key == example.key)
        #expect(error.message.contains(example.messageContains), "\(error.message)")
        #expect(error.description.hasPrefix("\(error.file):\(example.line):"))
        if !example.key.isEmpty { #expect(error.description.contains(": \(example.key): ")) }
    }

    @Test("check(paths:) lists every problem, not just the first")
    func everyProblem() throws {
        let folder = try TemporaryFolder()
        let yaml =
            validRule.replacingOccurrences(of: "hosts:", with: "hots:")
            .replacingOccurrences(of: "'northwind:{id}'", with: "'northwind:{nope}'")
        try folder.write("a.yml", yaml)
        try folder.write("b.yml", "rules: [")
        let errors = RuleSet.check(paths: [folder.path])
        #expect(errors.count >= 4, "\(errors)")
        #expect(Set(errors.map(\.code)).isSuperset(of: [.unknownKey, .missingKey, .invalidTemplate, .yamlSyntax]))
    }

    @Test("Duplicate ids across files name both places")
    func duplicateAcrossFiles() throws {
        let folder = try TemporaryFolder()
        let first = try folder.write("a.yml", validRule)
        try folder.write("b.yml", validRule)
        let errors = RuleSet.check(paths: [folder.path])
        #expect(errors.count == 1)
        #expect(errors.first?.code == .duplicateID)
        #expect(errors.first?.file.hasSuffix("b.yml") == true)
        #expect(errors.first?.message.contains(first + ":2") == true)
    }

    @Test("Defaults apply to every rule of the file, and a rule can override them")
    func defaults() throws {
        let yaml = """
            defaults:
              provider: Northwind
              actionName: Collateral Shared
              hosts: [cms.northwind.example]
              properties: {team: emea}
            rules:
              - id: a
                kind: document
                match: ['^/a/(?<id>\\d+)$']
                contentId: 'nw:a:{id}'
              - id: b
                kind: deck
                provider: Northwind Decks
                actionName: Deck Shared
                match: ['^/b/(?<id>\\d+)$']
                contentId: 'nw:b:{id}'
            """
        let rules = try RuleSet.parse(files: [("inline.yml", yaml)])
        let a = try #require(rules.classify("https://cms.northwind.example/a/1").contentMatch)
        let b = try #require(rules.classify("https://cms.northwind.example/b/2").contentMatch)
        #expect(
            a.provider == "Northwind" && a.actionName == "Collateral Shared" && a.contentProperties["team"] == "emea")
        #expect(b.provider == "Northwind Decks" && b.actionName == "Deck Shared" && b.kind == "deck")
    }

    @Test("Merging: team rules come first, replace built-ins with the same id, exclusions are united")
    func merging() throws {
        let team = try RuleSet.parse(files: [
            (
                "team.yml",
                """
                rules:
                  - id: google-docs
                    provider: Google Docs (team)
                    kind: document
                    hosts: [docs.google.com]
                    match: ['^/document/d/(?<id>[A-Za-z0-9_-]{25,})']
                    contentId: 'team:{id}'
                    actionName: Doc Shared
                  - id: northwind-cms
                    provider: Northwind CMS
                    kind: document
                    hosts: [cms.northwind.example]
                    match: ['^/docs/(?<id>[0-9]+)']
                    contentId: 'northwind:{id}'
                    actionName: Collateral Shared
                exclusions:
                  domains: [internal.northwind.example]
                  addresses: [Noreply@Northwind.example]
                """
            )
        ])
        let builtIn = RuleSet.builtIn()
        let merged = builtIn.merged(with: team)
        #expect(merged.providerRules.count == builtIn.providerRules.count + 1)
        #expect(merged.providerRules.filter { $0.id == "google-docs" }.count == 1)
        let doc = merged.classify(
            "https://docs.google.com/document/d/1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28/edit")
        #expect(doc.contentMatch?.contentId == "team:1tTYBPeaRdCO9AGTGQCpoiuLORQzN_bG3TAkEolJPh28")
        #expect(merged.classify("https://cms.northwind.example/docs/7").contentMatch?.contentId == "northwind:7")
        #expect(merged.exclusions.excludes(address: "noreply@northwind.example"))
        #expect(merged.wrapperRules.map(\.id) == builtIn.wrapperRules.map(\.id))
        #expect(merged.sources == builtIn.sources + ["team.yml"])
    }

    @Test("Exclusions parse domains, addresses and URL patterns")
    func exclusionsParse() throws {
        let rules = try RuleSet.parse(files: [
            (
                "x.yml",
                """
                exclusions:
                  domains: [northwind.example, '*.partner.example']
                  addresses: [noreply@docusign.net, ' Bob@Northwind.Example ']
                  urls: ['^https://docs\\.google\\.com/document/d/1TEMPLATE']
                """
            )
        ])
        #expect(rules.exclusions.domains == ["northwind.example", "partner.example"])
        #expect(rules.exclusions.addresses == ["noreply@docusign.net", "bob@northwind.example"])
        #expect(rules.exclusions.excludes(address: "BOB@northwind.example"))
        #expect(!rules.exclusions.excludes(address: "alice@northwind.example"))
        #expect(rules.exclusions.urlPatterns.map(\.source) == ["^https://docs\\.google\\.com/document/d/1TEMPLATE"])
    }

    @Test("Built-in rules are valid, ordered and cover every provider family")
    func builtInRules() {
        let rules = RuleSet.builtIn()
        #expect(rules.sources.first == "rules/providers/adobe.yml")
        #expect(rules.sources.contains("rules/wrappers.yml"))
        let providers = Set(rules.providerRules.map(\.provider))
        for name in [
            "Google Docs", "Google Forms", "Google Drive", "Dropbox", "Box", "OneDrive", "SharePoint", "DocuSign",
            "DocSend", "PandaDoc", "Notion", "Figma", "Loom", "Canva", "Adobe Acrobat",
        ] {
            #expect(providers.contains(name), "\(name)")
        }
        #expect(
            Set(rules.wrapperRules.map(\.id)).isSuperset(of: [
                "outlook-safelinks", "proofpoint-v1", "proofpoint-v2", "proofpoint-v3", "google-redirect", "mimecast",
            ]))
    }

    @Test("Templates: filters, escapes and errors")
    func templates() throws {
        let template = try RuleTemplate("{{x}} {a|lower}-{b|uuid}-{c|url_decode|basename}-{d|slug}-{missing}")
        let values = [
            "a": "ABC", "b": "{0123456789ABCDEF0123456789ABCDEF}", "c": "/x/Q3%20Plan.docx", "d": "Q3-Deck_v2",
        ]
        #expect(template.render(values) == "{x} abc-01234567-89ab-cdef-0123-456789abcdef-Q3 Plan.docx-Q3 Deck v2-")
        #expect(template.variables == ["a", "b", "c", "d", "missing"])
        #expect(throws: TemplateError.self) { try RuleTemplate("{a") }
        #expect(throws: TemplateError.self) { try RuleTemplate("a}") }
        #expect(throws: TemplateError.self) { try RuleTemplate("{}") }
        #expect(throws: TemplateError.self) { try RuleTemplate("{a|nope}") }
    }

    @Test("URL normalisation: host case, default ports, tracking parameters, &amp;")
    func normalisation() throws {
        let url = try #require(
            NormalizedURL("  HTTPS://User@Docs.Google.COM.:443/a/B?utm_source=x&amp;id=1&fbclid=2#Frag "))
        #expect(url.host == "docs.google.com")
        #expect(url.port == nil)
        #expect(url.path == "/a/B")
        #expect(url.droppingTrackingParameters().string == "https://docs.google.com/a/B?id=1#Frag")
        #expect(NormalizedURL("http://example.com:8080")?.string == "http://example.com:8080/")
        #expect(NormalizedURL("http://example.com:80/x")?.string == "http://example.com/x")
        #expect(NormalizedURL("ftp://example.com/x") == nil)
        #expect(NormalizedURL("https://:443/") == nil)
        #expect(NormalizedURL("https://example.com:99999/") == nil)
        #expect(NormalizedURL("<https://example.com/x>")?.host == "example.com")
    }
}
