import Foundation
import Testing

/// `scan` over IMAP end to end: a real Dovecot on loopback, the sandbox for Gong, the built binary.
@Suite(
    "scan over IMAP (Dovecot)", .serialized,
    .enabled(if: DovecotHarness.isAvailable, Comment(rawValue: DovecotHarness.skipMessage))
)
struct ScanIMAPTests {
    /// A sent message sharing one Google document with an external recipient.
    static func share(_ index: Int, date: Date) -> DovecotHarness.Message {
        let text = """
            Message-ID: <imap-scan-\(index)@northwind.example>\r
            Date: \(SentMailCorpus.rfc2822(date))\r
            From: Alice Martin <alice@northwind.example>\r
            To: Buyer <buyer\(index)@contoso.example>\r
            Subject: Proposal \(index)\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            The proposal: https://docs.google.com/document/d/1ImapScanDoc\(String(format: "%04d", index))AbCdEfGhIjKlMn/edit\r

            """
        return DovecotHarness.Message(bytes: Array(text.utf8), date: date, seen: index % 2 == 0)
    }

    /// A team config with one IMAP mailbox (the first Dovecot user, password from `TEST_IMAP_PASSWORD`), written to
    /// `folder/team.yml`; returns its path.
    static func writeConfig(
        team: String, in folder: URL, dovecot: DovecotHarness, sandbox: SandboxProcess
    ) throws -> String {
        let config = """
            team: \(team)
            internalDomains: [northwind.example]
            state: state/ledger.sqlite
            gong:
              baseURL: \(sandbox.baseURL)
              accessKey: env:TEST_GONG_KEY
              accessKeySecret: env:TEST_GONG_SECRET
              callsPerSecond: 50
            mailboxes:
              - name: alice
                imap:
                  url: \(dovecot.imapsURL)
                  username: \(dovecot.users[0].name)
                  password: env:TEST_IMAP_PASSWORD
                  caFile: \(dovecot.certificatePath)
            """
        let path = folder.appendingPathComponent("team.yml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func scanReadsTheSentFolderIncrementallyAndDeliversEachShareOnce() throws {
        let dovecot = try DovecotHarness()
        defer { dovecot.stop() }
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        let now = Date()
        let user = dovecot.users[0]
        try dovecot.addMessages(
            user: user.name, folder: "Sent",
            (0..<12).map { Self.share($0, date: now.addingTimeInterval(Double(-3600 * $0))) })
        let seenBefore = try dovecot.seenFlags(user: user.name, folder: "Sent")

        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configPath = try Self.writeConfig(team: "imap-team", in: folder, dovecot: dovecot, sandbox: sandbox)
        var environment = ScanCommandTests.environment
        environment["TEST_IMAP_PASSWORD"] = user.password

        let first = try CLI.run(["scan", "--config", configPath], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(
            first.stdout.contains("alice: 12 fetched, 12 parsed, 0 skipped, 12 shares, 12 new events, 12 delivered"))
        #expect(try sandbox.storedEventIDs().count == 12)
        #expect(try dovecot.seenFlags(user: user.name, folder: "Sent") == seenBefore, "\\Seen untouched")

        // A second run fetches nothing; one new message is picked up by the third.
        let second = try CLI.run(["scan", "--config", configPath], environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("alice: 0 fetched"))
        try dovecot.addMessages(user: user.name, folder: "Sent", [Self.share(12, date: now)], startIndex: 12)
        let third = try CLI.run(["scan", "--config", configPath], environment: environment)
        #expect(third.stdout.contains("alice: 1 fetched, 1 parsed, 0 skipped, 1 shares, 1 new events, 1 delivered"))
        #expect(try sandbox.storedEventIDs().count == 13)

        let status = try CLI.run(["status", "--config", configPath])
        #expect(status.stdout.contains("UIDVALIDITY"))
        #expect(!status.stdout.contains(user.password))

        // A wrong password: exit 3, the message names the mailbox's server, never the password.
        environment["TEST_IMAP_PASSWORD"] = "wrong-password-7c1d"
        let refused = try CLI.run(["scan", "--config", configPath], environment: environment)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("127.0.0.1"))
        #expect(!refused.stderr.contains("wrong-password-7c1d"))
    }

    /// `--dry-run` and `--dry-run --backfill` read IMAP through the same loop as a real scan: the same event ids,
    /// nothing recorded, the mailbox's flags untouched; a dry run starts at the ledger's cursor, a shadow run ignores it.
    @Test func dryRunAndShadowRunReadIMAPWithTheEventIdsOfARealScan() throws {
        let dovecot = try DovecotHarness()
        defer { dovecot.stop() }
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        let now = Date()
        let user = dovecot.users[0]
        try dovecot.addMessages(
            user: user.name, folder: "Sent",
            (0..<5).map { Self.share($0, date: now.addingTimeInterval(Double(-600 * $0))) })
        let seenBefore = try dovecot.seenFlags(user: user.name, folder: "Sent")
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configPath = try Self.writeConfig(team: "imap-dry", in: folder, dovecot: dovecot, sandbox: sandbox)
        var environment = ScanCommandTests.environment
        environment["TEST_IMAP_PASSWORD"] = user.password
        func eventIDs(_ stdout: String) throws -> [String] {
            try stdout.split(separator: "\n").map { line in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return try #require(object?["eventId"] as? String)
            }
        }

        // Before any scan: the dry run shows all five, records nothing (no ledger file), sends nothing.
        let dry = try CLI.run(["scan", "--dry-run", "--json", "--config", configPath], environment: environment)
        #expect(dry.status == 0, "\(dry.stderr)")
        let dryIDs = try eventIDs(dry.stdout)
        #expect(dryIDs.count == 5)
        #expect(dry.stderr.contains("alice: 5 fetched, 5 parsed, 0 skipped, 5 shares, 5 new events (dry run"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("state/ledger.sqlite").path))
        #expect(try sandbox.storedEventIDs().isEmpty)

        // The real scan records and delivers exactly those events.
        let real = try CLI.run(["scan", "--config", configPath], environment: environment)
        #expect(real.status == 0, "\(real.stderr)")
        #expect(Set(try sandbox.storedEventIDs()) == Set(dryIDs))
        let ledgerPath = folder.appendingPathComponent("state/ledger.sqlite").path
        let ledgerBefore = try Data(contentsOf: URL(fileURLWithPath: ledgerPath))

        // After it, a dry run starts at the cursor (nothing new); a shadow run reads everything again, every event
        // already known; neither changes the ledger.
        let next = try CLI.run(["scan", "--dry-run", "--json", "--config", configPath], environment: environment)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stdout.isEmpty)
        #expect(next.stderr.contains("alice: 0 fetched"))
        let shadow = try CLI.run(
            ["scan", "--dry-run", "--backfill", "--json", "--config", configPath], environment: environment)
        #expect(shadow.status == 0, "\(shadow.stderr)")
        #expect(try eventIDs(shadow.stdout).sorted() == dryIDs.sorted())
        #expect(shadow.stderr.contains("5 shares, 0 new events (dry run"))
        let text = try CLI.run(["scan", "--dry-run", "--backfill", "--config", configPath], environment: environment)
        #expect(text.stdout.contains("(already in the ledger)"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledgerPath)) == ledgerBefore)
        #expect(try sandbox.storedEventIDs().count == 5)
        #expect(try dovecot.seenFlags(user: user.name, folder: "Sent") == seenBefore, "\\Seen untouched")
    }
}
