import Foundation
import MailFetching
import ShareDetection
import Testing
import Yams

@testable import ShareDetectorKit

/// The rule fixtures under `rules/tests`: every `.eml` must produce exactly the events of its sidecar, and every
/// provider folder must keep enough positives and negatives to make a rule change reviewable.
@Suite("Rule fixtures (rules/tests)")
struct RuleFixtureTests {
    /// `rules/tests` of this package, found from this file's path.
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("rules/tests").path

    /// The fixtures, relative to ``folder`` (shorter names in the test report).
    static let fixtures: [String] = FixtureRunner.fixtures(in: folder).map { String($0.dropFirst(folder.count + 1)) }

    /// The provider folders every built-in rule file needs fixtures in.
    static let providerFolders = [
        "adobe", "box", "canva", "consensus", "docsend", "docusign", "dropbox", "figma", "google-docs", "google-drive",
        "highspot", "loom", "notion", "onedrive", "pandadoc", "pitch", "proposify", "qwilr", "seismic", "sharepoint",
        "showpad", "trumpet", "vidyard",
    ]

    static func expectation(of fixture: String) throws -> FixtureRunner.Expectation {
        let sidecar = FixtureRunner.sidecar(of: (folder as NSString).appendingPathComponent(fixture))
        let text = try String(contentsOfFile: sidecar, encoding: .utf8)
        return try YAMLDecoder().decode(FixtureRunner.Expectation.self, from: text)
    }

    @Test(arguments: fixtures)
    func fixtureProducesExactlyItsExpectedEvents(_ fixture: String) {
        let runner = FixtureRunner(config: TeamConfig(), rules: RuleSet.builtIn())
        let result = runner.run(fixture: (Self.folder as NSString).appendingPathComponent(fixture))
        #expect(result.passed, "\(result.failures)")
    }

    @Test func everyProviderFolderHasThreePositivesAndTwoNegatives() throws {
        #expect(Self.fixtures.count >= 90, "only \(Self.fixtures.count) fixtures")
        var counts: [String: (positives: Int, negatives: Int)] = [:]
        for fixture in Self.fixtures {
            guard let slash = fixture.firstIndex(of: "/") else {
                Issue.record("\(fixture) is not inside a provider folder")
                continue
            }
            let provider = String(fixture[..<slash])
            let expectation = try Self.expectation(of: fixture)
            #expect(expectation.description?.isEmpty == false, "\(fixture): no description")
            var count = counts[provider] ?? (0, 0)
            if expectation.events.isEmpty { count.negatives += 1 } else { count.positives += 1 }
            counts[provider] = count
        }
        for provider in Set(Self.providerFolders).union(counts.keys).sorted() {
            let count = counts[provider] ?? (0, 0)
            #expect(count.positives >= 3, "\(provider): \(count.positives) fixtures with events, need 3")
            #expect(count.negatives >= 2, "\(provider): \(count.negatives) fixtures with `events: []`, need 2")
        }
    }

    /// Recall and precision per fixture folder, counted per expected share (content id), printed as the table in
    /// docs/detection.md; every folder must recall at least 95% of its shares.
    @Test func everyFolderRecallsItsShares() throws {
        var scores: [String: (expected: Int, found: Int, extra: Int)] = [:]
        for fixture in Self.fixtures {
            let folderName = String(fixture.prefix { $0 != "/" })
            let expectation = try Self.expectation(of: fixture)
            var config = TeamConfig()
            if let domains = expectation.internalDomains { config.internalDomains = domains.map { $0.lowercased() } }
            let path = (Self.folder as NSString).appendingPathComponent(fixture)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let raw = RawMessage(
                bytes: [UInt8](data), position: MessagePosition(file: path, index: 0, byteOffset: 0), envelopeDate: nil,
                resumeOffset: UInt64(data.count))
            let got = Set(
                try DetectionPipeline(config: config, rules: RuleSet.builtIn()).process(raw).events.map(\.contentId))
            let want = Set(expectation.events.compactMap(\.contentId))
            var score = scores[folderName] ?? (0, 0, 0)
            score.expected += want.count
            score.found += want.intersection(got).count
            score.extra += got.subtracting(want).count
            scores[folderName] = score
        }
        var table =
            "| fixtures | shares | found | recall | extra events | precision |\n|---|---:|---:|---:|---:|---:|\n"
        for (name, score) in scores.sorted(by: { $0.key < $1.key }) {
            let recall = score.expected == 0 ? 1 : Double(score.found) / Double(score.expected)
            let precision = score.found + score.extra == 0 ? 1 : Double(score.found) / Double(score.found + score.extra)
            table +=
                "| \(name) | \(score.expected) | \(score.found) | \(String(format: "%.3f", recall)) | \(score.extra) | "
            table += "\(String(format: "%.3f", precision)) |\n"
            #expect(recall >= 0.95, "\(name): recall \(recall)")
        }
        print(table)
    }

    @Test func everyGoogleKindHasItsOwnPositives() throws {
        var kinds: [String: Int] = [:]
        for fixture in Self.fixtures where fixture.hasPrefix("google-") {
            let events = try Self.expectation(of: fixture).events
            let fixtureKinds = Set(events.compactMap { $0.contentProperties?["contentType"] })
            for kind in fixtureKinds { kinds[kind, default: 0] += 1 }
        }
        for kind in ["document", "spreadsheet", "presentation", "form", "drawing", "file", "folder"] {
            #expect(kinds[kind, default: 0] >= 3, "Google \(kind): \(kinds[kind, default: 0]) fixtures, need 3")
        }
    }

    @Test func everyFixtureHasASidecarAndHeaders() throws {
        for fixture in Self.fixtures {
            let path = (Self.folder as NSString).appendingPathComponent(fixture)
            #expect(FileManager.default.fileExists(atPath: FixtureRunner.sidecar(of: path)), "\(fixture): no sidecar")
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            let head = text.components(separatedBy: text.contains("\r\n\r\n") ? "\r\n\r\n" : "\n\n")[0].lowercased()
            for header in ["message-id:", "date:", "from:", "to:", "subject:", "mime-version:", "content-type:"] {
                #expect(head.contains("\n" + header) || head.hasPrefix(header), "\(fixture): no \(header) header")
            }
        }
    }
}

@Suite("share-detector test (fixtures, end to end)")
struct FixtureCommandTests {
    @Test func noInputRunsTheRuleFixturesAndPasses() throws {
        let result = try CLI.run(["test"])
        #expect(result.status == 0, "\(result.stdout.split(separator: "\n").filter { !$0.hasPrefix("PASS") })")
        #expect(result.stdout.contains("fixtures: \(RuleFixtureTests.fixtures.count) passed, 0 failed"))
    }

    @Test func aBrokenFixtureFailsTheRunAndIsNamed() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let message = """
            Message-ID: <broken-1@northwind.example>
            Date: Mon, 02 Nov 2026 09:14:00 +0100
            From: Alice Martin <alice@northwind.example>
            To: bob@contoso.example
            Subject: Proposal
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            Hi Bob, the proposal: https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit

            """
        try Data(message.utf8).write(to: folder.appendingPathComponent("ok.eml"))
        try Data(
            "description: expects the share\nevents:\n  - contentId: gdoc:document:1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789\n"
                .utf8
        )
        .write(to: folder.appendingPathComponent("ok.expected.yml"))
        try Data(message.utf8).write(to: folder.appendingPathComponent("wrongly-negative.eml"))
        try Data("description: wrongly claims no share\nevents: []\n".utf8)
            .write(to: folder.appendingPathComponent("wrongly-negative.expected.yml"))

        let result = try CLI.run(["test", "--fixtures", folder.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("PASS  \(folder.appendingPathComponent("ok.eml").path)"))
        #expect(result.stdout.contains("FAIL  \(folder.appendingPathComponent("wrongly-negative.eml").path)"))
        #expect(result.stdout.contains("expected 0 event(s), got 1"))
        #expect(result.stdout.contains("fixtures: 1 passed, 1 failed"))
    }

    @Test func aRuleWhoseEventGongWouldRejectFailsItsFixtureAndTestSkipsTheMessageAsScanDoes() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rules = folder.appendingPathComponent("team-rules.yml")
        try Data(
            """
            version: 1
            rules:
              - id: long-ids
                provider: Example Docs
                hosts: [docs.example.com]
                match: ['^/d/(?<id>[A-Za-z0-9]+)$']
                kind: document
                contentId: 'ex:{id}'
                actionName: Document Shared
            """.utf8
        ).write(to: rules)
        let tests = folder.appendingPathComponent("tests")
        try FileManager.default.createDirectory(at: tests, withIntermediateDirectories: true)
        let message = """
            Message-ID: <long-1@northwind.example>
            Date: Mon, 02 Nov 2026 09:14:00 +0100
            From: Alice Martin <alice@northwind.example>
            To: bob@contoso.example
            Subject: Spec
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            Hi Bob, the spec: https://docs.example.com/d/\(String(repeating: "a1B2", count: 300))

            """
        let eml = tests.appendingPathComponent("long.eml")
        try Data(message.utf8).write(to: eml)
        try Data(
            "description: a share whose content id Gong would reject\nevents:\n  - actionName: Document Shared\n".utf8
        )
        .write(to: tests.appendingPathComponent("long.expected.yml"))

        let fixtures = try CLI.run(["test", "--rules", rules.path, "--fixtures", tests.path])
        #expect(fixtures.status == 1, "\(fixtures.stdout)\(fixtures.stderr)")
        #expect(fixtures.stdout.contains("FAIL  \(eml.path)"))
        #expect(fixtures.stdout.contains("scan would skip the message: the event for ex:a1B2"))
        #expect(fixtures.stdout.contains("contentId: is longer than 1000 characters"))

        let run = try CLI.run(["test", "--json", "--rules", rules.path, eml.path])
        #expect(run.stdout.isEmpty, "no event is printed for a message scan would skip")
        #expect(run.stderr.contains("skipped: \(eml.path) message 0 at byte 0: the event for ex:a1B2"))
    }
}

@Suite("test --compare-rules: what a rule change adds, removes and changes")
struct RuleComparisonTests {
    static func rule(_ id: String, host: String, path: String, action: String) -> String {
        """
          - id: \(id)
            provider: Example
            hosts: [\(host)]
            match: ['^/\(path)/(?<id>[A-Za-z0-9]+)$']
            kind: document
            contentId: '\(id):{id}'
            actionName: \(action)

        """
    }

    @Test func aRuleChangeIsReportedPerRuleAsAddedRemovedAndChanged() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let old = folder.appendingPathComponent("old")
        let new = folder.appendingPathComponent("new")
        for url in [old, new] { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        try Data(
            ("version: 1\nrules:\n"
                + Self.rule("ex-docs", host: "docs.example.com", path: "d", action: "Document Shared")
                + Self.rule("ex-old", host: "old.example.com", path: "x", action: "Document Shared")).utf8
        ).write(to: old.appendingPathComponent("team.yml"))
        try Data(
            ("version: 1\nrules:\n" + Self.rule("ex-docs", host: "docs.example.com", path: "d", action: "Spec Shared")
                + Self.rule("ex-slides", host: "slides.example.com", path: "p", action: "Deck Shared")).utf8
        ).write(to: new.appendingPathComponent("team.yml"))
        let message = folder.appendingPathComponent("m.eml")
        try Data(
            """
            Message-ID: <cmp-1@northwind.example>
            Date: Mon, 02 Nov 2026 09:14:00 +0100
            From: Alice Martin <alice@northwind.example>
            To: bob@contoso.example
            Subject: Materials
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            Hi Bob, the spec https://docs.example.com/d/abc1, the deck https://slides.example.com/p/xyz2,
            the old page https://old.example.com/x/111 and the proposal
            https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit

            """.utf8
        ).write(to: message)

        let text = try CLI.run(["test", "--rules", new.path, "--compare-rules", old.path, message.path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("3 events before, 3 after: 1 added, 1 removed, 1 changed"), "\(text.stdout)")
        #expect(text.stdout.contains("ex-slides: 1 added, 0 removed, 0 changed"))
        #expect(text.stdout.contains("  + \(message.path) message 0: ex-slides:xyz2 \"Materials\" (Deck Shared)"))
        #expect(text.stdout.contains("ex-old: 0 added, 1 removed, 0 changed"))
        #expect(text.stdout.contains("ex-docs: 0 added, 0 removed, 1 changed"))
        #expect(text.stdout.contains("action Document Shared → Spec Shared"))
        #expect(!text.stdout.contains("google-docs"), "an unchanged share is not reported")

        let json = try CLI.run(["test", "--json", "--rules", new.path, "--compare-rules", old.path, message.path])
        let lines = json.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == 4)
        #expect(Set(lines.prefix(3).compactMap { $0["change"] as? String }) == ["added", "removed", "changed"])
        let summary = try #require(lines.last?["summary"] as? [String: Any])
        #expect(summary["added"] as? Int == 1 && summary["removed"] as? Int == 1 && summary["changed"] as? Int == 1)

        let usage = try CLI.run(["test", "--compare-rules", old.path])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("--compare-rules needs INPUT"))
    }
}
