import Foundation
import Testing

/// Issue 8 end to end: limits reached are shown, unreadable input is reported, catastrophic patterns are refused.
@Suite("Bounded rules and nothing lost silently (end to end)")
struct HardeningCommandTests {
    /// A rule whose pattern backtracks exponentially on a long run of `a`s without being caught by the load-time
    /// check (overlapping alternatives, not nested repeats).
    static let slowRules = """
        rules:
          - id: slow
            provider: Slow
            kind: document
            hosts: [slow.example]
            match:
              - '^/(?:a|aa|aaa)*$'
            contentId: 'slow:{path}'
            actionName: Document Shared

        """

    static func message(body: String) -> String {
        """
        From: Ann <ann@northwind.example>
        To: bob@contoso.example
        Subject: Links
        Date: Mon, 2 Nov 2026 09:14:00 +0100
        Message-ID: <limits@northwind.example>
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8

        \(body)

        """
    }

    @Test func explainAndStatsShowRegexAndLinkLimits() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rules = folder.appendingPathComponent("slow.yml")
        try Data(Self.slowRules.utf8).write(to: rules)
        let slowURL = "https://slow.example/" + String(repeating: "a", count: 118) + "x"
        let many = (0..<2001).map { "https://example.com/doc/\($0)" }.joined(separator: "\n")
        let mail = folder.appendingPathComponent("limits.eml")
        try Data(Self.message(body: "See \(slowURL)\n\(many)").utf8).write(to: mail)

        let explain = try CLI.run(["test", "--explain", "--rules", rules.path, mail.path])
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("   defect    link-limit at byte "), "\(explain.stdout.suffix(2000))")
        #expect(explain.stdout.contains("part 1 (plain): 2000 links kept, about 2 more dropped"))
        #expect(
            explain.stdout.contains(
                "   defect    regex-limit at byte 4: part 1 (plain) link \(slowURL): pattern /^/(?:a|aa|aaa)*$/"))
        #expect(explain.stdout.contains("slow.yml:7:9 rules[0].match[0]) reached the match-limit; counted as no match"))

        let stats = try CLI.run(["test", "--stats", "--rules", rules.path, mail.path])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("limits reached (links may be lost; see test --explain)"))
        #expect(stats.stdout.contains("1      link-limit"))
        #expect(stats.stdout.contains("1      regex-limit"))
    }

    @Test func validateRefusesACatastrophicPatternWithFileLineAndKey() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("rules"), withIntermediateDirectories: true)
        try Data(Self.slowRules.replacingOccurrences(of: "(?:a|aa|aaa)*$", with: "(a+)+$").utf8)
            .write(to: folder.appendingPathComponent("rules/slow.yml"))
        let file = folder.appendingPathComponent("team.yml")
        try Data("rules: [rules]\n".utf8).write(to: file)
        let result = try CLI.run(["validate", "--config", file.path])
        #expect(result.status == 2)
        #expect(
            result.stderr.contains("rules/slow.yml:7:9: catastrophic-regex: rules[0].match[0]:"), "\(result.stderr)")
        #expect(result.stderr.contains("'(a+)+' at offset 2"))
    }

    /// Root reads chmod 000 folders, so the unreadable sub-folder is a link whose target is gone: unreadable for every
    /// user.
    @Test func scanOfAnEmlFolderWithAnUnreadableSubFolderExits1WithTheReason() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mail = folder.appendingPathComponent("mail")
        try FileManager.default.createDirectory(
            at: mail.appendingPathComponent("2026"), withIntermediateDirectories: true)
        try Data(
            Self.message(body: "https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit").utf8
        )
        .write(to: mail.appendingPathComponent("2026/one.eml"))
        try FileManager.default.createSymbolicLink(
            atPath: mail.appendingPathComponent("2025").path,
            withDestinationPath: folder.appendingPathComponent("gone").path)
        let config = folder.appendingPathComponent("team.yml")
        try Data(
            """
            team: t
            internalDomains: [northwind.example]
            state: state/ledger.sqlite
            gong:
              baseURL: http://127.0.0.1:9
              accessKey: env:TEST_GONG_KEY
              accessKeySecret: env:TEST_GONG_SECRET
              reportingSystem: share-detector-test
            mailboxes:
              - name: alice
                eml: \(mail.path)

            """.utf8
        ).write(to: config)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config.path)
        let result = try CLI.run(
            ["scan", "--dry-run", "--config", config.path],
            environment: ["TEST_GONG_KEY": "k", "TEST_GONG_SECRET": "s"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(
            result.stderr.contains("skipped: \(mail.path)/2025 message 0 at byte 0: broken or looping symbolic link"))
        #expect(result.stderr.contains("alice: 2 fetched, 1 parsed, 1 skipped, 1 shares"), "\(result.stderr)")
    }
}
