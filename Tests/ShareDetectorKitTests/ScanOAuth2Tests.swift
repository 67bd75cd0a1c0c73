import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Organisation-wide IMAP access end to end: the built binary, a real Dovecot whose `oauth2` passdb asks a real
/// token server (which checks every signature, claim and secret) about each token, and the Gong sandbox.
@Suite(
    "scan with OAuth 2 (Dovecot + token server)", .serialized,
    .enabled(if: DovecotHarness.isAvailable, Comment(rawValue: DovecotHarness.skipMessage)),
    .enabled(if: OAuth2TokenServer.isAvailable, Comment(rawValue: OAuth2TokenServer.skipMessage))
)
struct ScanOAuth2Tests {
    /// A sent message from `from` sharing one Google document with an external recipient.
    static func share(_ index: Int, from: String) -> DovecotHarness.Message {
        let text = """
            Message-ID: <oauth-\(index)@northwind.example>\r
            Date: \(SentMailCorpus.rfc2822(Date().addingTimeInterval(Double(-60 * index))))\r
            From: <\(from)>\r
            To: Buyer <buyer\(index)@contoso.example>\r
            Subject: Proposal \(index)\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            The proposal: https://docs.google.com/document/d/1OAuthScanDoc\(String(format: "%04d", index))AbCdEfGhIjKl/edit\r

            """
        return DovecotHarness.Message(bytes: Array(text.utf8), date: Date(), seen: false)
    }

    static func users(_ emails: [String]) -> [DovecotHarness.User] {
        emails.map { DovecotHarness.User(name: $0, password: "no-password-\($0)", token: "unused", uid: 5000) }
    }

    /// Writes `team.yml` (Gong = the sandbox; `body` = the mailbox part) into `folder`.
    static func writeConfig(_ body: String, in folder: URL, sandbox: SandboxProcess, concurrency: Int = 8) throws
        -> String
    {
        let config = """
            team: org
            internalDomains: [northwind.example]
            state: state/ledger.sqlite
            concurrency: \(concurrency)
            gong:
              baseURL: \(sandbox.baseURL)
              accessKey: env:TEST_GONG_KEY
              accessKeySecret: env:TEST_GONG_SECRET
              callsPerSecond: 50

            """ + body
        let path = folder.appendingPathComponent("team.yml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `mailboxDefaults` for every mailbox on `dovecot`, logging in with `server`'s service account.
    static func serviceAccountDefaults(_ dovecot: DovecotHarness, _ server: OAuth2TokenServer) -> String {
        """
        mailboxDefaults:
          imap:
            url: \(dovecot.imapsURL)
            caFile: \(dovecot.certificatePath)
            oauth2: { serviceAccountKey: "file:\(server.serviceAccountKeyPath)" }

        """
    }

    /// Fails the test when any secret shows in the run's output or in any file of the state folder.
    static func expectNoSecrets(
        _ results: [CLI.Result], folder: URL, secrets: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var haystacks = results.flatMap { [$0.stdout, $0.stderr] }
        let state = folder.appendingPathComponent("state")
        for file in (try? FileManager.default.contentsOfDirectory(atPath: state.path)) ?? [] {
            let data = try Data(contentsOf: state.appendingPathComponent(file))
            haystacks.append(String(decoding: data, as: UTF8.self))
        }
        for secret in secrets where secret.count >= 8 {
            for text in haystacks where text.contains(secret) {
                Issue.record(
                    "a secret leaked: \(secret.prefix(6))… in \(text.prefix(200))", sourceLocation: sourceLocation)
            }
        }
    }

    /// Lines of a PEM key's body (what would show if the key leaked).
    static func pemLines(_ pem: String) -> [String] {
        pem.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("-----") && $0.count >= 40 }
    }

    @Test func fiftyMailboxesThroughOneServiceAccountAskOneTokenEachHoweverManyConnections() throws {
        let emails = (1...50).map { "rep\($0)@northwind.example" }
        let server = try OAuth2TokenServer(users: emails)
        defer { server.stop() }
        let dovecot = try DovecotHarness(users: Self.users(emails), introspectionURL: server.introspectionURL)
        defer { dovecot.stop() }
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        for (index, email) in emails.enumerated() {
            try dovecot.addMessages(user: email, folder: "Sent", [Self.share(2 * index, from: email)])
            try dovecot.addMessages(user: email, folder: "Archive", [Self.share(2 * index + 1, from: email)])
        }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(("email,name\n" + emails.map { "\($0),Rep" }.joined(separator: "\n")).utf8).write(
            to: folder.appendingPathComponent("reps.csv"))
        let config = try Self.writeConfig(
            """
            mailboxDefaults:
              imap:
                url: \(dovecot.imapsURL)
                caFile: \(dovecot.certificatePath)
                folders: [Sent, Archive]
                oauth2:
                  serviceAccountKey: file:\(server.serviceAccountKeyPath)
            mailboxSources:
              - csv: reps.csv
            """, in: folder, sandbox: sandbox)

        let resolved = try CLI.run(["validate", "--resolve", "--config", config])
        #expect(resolved.status == 0, "\(resolved.stderr)")
        #expect(
            resolved.stdout.contains(
                "rep50@northwind.example: imap \(dovecot.imapsURL) user rep50@northwind.example, oauth2 service account, Sent, Archive"
            ))
        #expect(resolved.stdout.contains("50 mailbox(es)"))

        let scan = try CLI.run(["scan", "--config", config], environment: ScanCommandTests.environment)
        #expect(scan.status == 0, "\(scan.stderr)")
        #expect(try sandbox.storedEventIDs().count == 100)
        #expect(scan.stdout.contains("rep17@northwind.example: 2 fetched, 2 parsed, 0 skipped, 2 shares, 2 new events"))
        // 100 logins (two folders, two connections per mailbox), 50 token requests: one per mailbox.
        let grants = try server.grants("jwt-bearer")
        #expect(grants.count == 50)
        #expect(grants.values.allSatisfy { $0 == 1 }, "\(grants)")
        #expect((try server.stats()["activeIntrospections"] as? Int ?? 0) >= 100)
        try Self.expectNoSecrets(
            [resolved, scan], folder: folder,
            secrets: try server.accessTokens() + Self.pemLines(server.serviceAccountPrivateKey))
    }

    @Test func oneAppTokenServesEveryMailboxAndATokenThatExpiresMidRunIsFetchedAgain() throws {
        let emails = ["alice@northwind.example", "bob@northwind.example", "carol@northwind.example"]
        let server = try OAuth2TokenServer(users: emails, tokenLifetimeSeconds: 8)
        defer { server.stop() }
        // Application tokens may open any mailbox (FullAccess), so Dovecot does not match them to the login name.
        let dovecot = try DovecotHarness(
            users: Self.users(emails), introspectionURL: server.introspectionURL, checksTokenUsername: false)
        defer { dovecot.stop() }
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        for (index, email) in emails.enumerated() {
            try dovecot.addMessages(user: email, folder: "Sent", [Self.share(index, from: email)])
        }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // carol's secret comes from a command that takes 9 s: her login comes after the 8-second token has expired
        // (alice and bob have 6 s, until the token's refresh time, to use it).
        let config = try Self.writeConfig(
            """
            mailboxDefaults:
              imap:
                url: \(dovecot.imapsURL)
                caFile: \(dovecot.certificatePath)
                oauth2:
                  tenant: \(OAuth2TokenServer.tenant)
                  clientId: \(OAuth2TokenServer.clientID)
                  clientCertificate: file:\(server.certificatePath)
                  clientKey: file:\(server.certificateKeyPath)
                  tokenURL: \(server.microsoftTokenURL)
            mailboxes:
              - name: alice
                imap: { username: alice@northwind.example }
              - name: bob
                imap: { username: bob@northwind.example }
              - name: carol
                imap:
                  username: carol@northwind.example
                  oauth2:
                    tenant: \(OAuth2TokenServer.tenant)
                    clientId: \(OAuth2TokenServer.clientID)
                    clientSecret: "command:sleep 9; printf %s \\"$TEST_APP_SECRET\\""
                    tokenURL: \(server.microsoftTokenURL)
            """, in: folder, sandbox: sandbox, concurrency: 1)
        var environment = ScanCommandTests.environment
        environment["TEST_APP_SECRET"] = OAuth2TokenServer.clientSecret
        let scan = try CLI.run(["scan", "--config", config], environment: environment)
        #expect(scan.status == 0, "\(scan.stderr)")
        #expect(try sandbox.storedEventIDs().count == 3)
        // alice and bob shared the first token; carol needed a second one, the first having expired.
        #expect(try server.grants("client_credentials") == [OAuth2TokenServer.clientID: 2])
        let tokens = try server.accessTokens()
        #expect(tokens.count == 2)
        // The first has expired (Dovecot would refuse it), the second is still good: the run really fetched another.
        let active = try tokens.filter {
            try server.admin("/introspect", form: ["token": $0])["active"] as? String == "true"
        }
        #expect(active.count == 1)
        try Self.expectNoSecrets(
            [scan], folder: folder,
            secrets: tokens + [OAuth2TokenServer.clientSecret]
                + Self.pemLines(try String(contentsOfFile: server.certificateKeyPath, encoding: .utf8)))
    }

    @Test func revokedDelegationAndAMailboxWithoutIMAPStopOnlyThemWithExit3AndTheFix() throws {
        let emails = [
            "alice@northwind.example", "bob@northwind.example", "carol@northwind.example", "dave@northwind.example",
        ]
        let server = try OAuth2TokenServer(users: emails)
        defer { server.stop() }
        // dave's token is good, but the server refuses his logins (as Gmail does with IMAP turned off for him).
        let dovecot = try DovecotHarness(
            users: Self.users(emails), introspectionURL: server.introspectionURL,
            deniedUsers: ["dave@northwind.example"])
        defer { dovecot.stop() }
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        for (index, email) in emails.prefix(3).enumerated() {
            try dovecot.addMessages(user: email, folder: "Sent", [Self.share(index, from: email)])
        }
        try server.admin("/admin/revoke", form: ["subject": "bob@northwind.example"])
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(("email\n" + emails.joined(separator: "\n") + "\n").utf8).write(
            to: folder.appendingPathComponent("reps.csv"))
        let config = try Self.writeConfig(
            Self.serviceAccountDefaults(dovecot, server) + "mailboxSources:\n  - csv: reps.csv\n", in: folder,
            sandbox: sandbox)
        let scan = try CLI.run(["scan", "--config", config], environment: ScanCommandTests.environment)
        #expect(scan.status == 3, "\(scan.stderr)")
        #expect(try sandbox.storedEventIDs().count == 2, "alice and carol delivered")
        let bobLine = scan.stderr.split(separator: "\n").first { $0.contains("bob@northwind.example") } ?? ""
        #expect(bobLine.contains("invalid_grant"))
        #expect(bobLine.contains("Delegation denied"))
        #expect(bobLine.contains("domain-wide delegation"))
        let daveLine = scan.stderr.split(separator: "\n").first { $0.contains("dave@northwind.example") } ?? ""
        #expect(daveLine.contains("imap-authentication-failed"))
        #expect(daveLine.contains("A fresh token was refused"))
        #expect(daveLine.contains("IMAP is on for them"))
        // A refused fresh token is not replaced by another: one request for dave.
        #expect(try server.grants("jwt-bearer")["dave@northwind.example"] == 1)
        try Self.expectNoSecrets(
            [scan], folder: folder, secrets: try server.accessTokens() + Self.pemLines(server.serviceAccountPrivateKey))
    }

    @Test func aRotatedRefreshTokenIsSavedBeforeUseAndTheNextRunSendsIt() throws {
        let server = try OAuth2TokenServer(
            users: ["alice@northwind.example"],
            refreshTokens: [(token: "rt-initial-0b9f3a77c1", user: "alice@northwind.example", rotate: true)])
        defer { server.stop() }
        let dovecot = try DovecotHarness(
            users: Self.users(["alice@northwind.example"]), introspectionURL: server.introspectionURL)
        defer { dovecot.stop() }
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        try dovecot.addMessages(
            user: "alice@northwind.example", folder: "Sent", [Self.share(1, from: "alice@northwind.example")])
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenFile = folder.appendingPathComponent("alice.refresh").path
        try Data("rt-initial-0b9f3a77c1\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        let config = try Self.writeConfig(
            """
            mailboxes:
              - name: alice
                imap:
                  url: \(dovecot.imapsURL)
                  caFile: \(dovecot.certificatePath)
                  username: alice@northwind.example
                  oauth2:
                    refreshToken: file:alice.refresh
                    clientId: \(OAuth2TokenServer.clientID)
                    tokenURL: \(server.googleTokenURL)
            """, in: folder, sandbox: sandbox)
        let first = try CLI.run(["scan", "--config", config], environment: ScanCommandTests.environment)
        #expect(first.status == 0, "\(first.stderr)")
        let rotated = try #require(
            (try server.stats()["refreshTokens"] as? [String: String])?["alice@northwind.example"])
        #expect(rotated != "rt-initial-0b9f3a77c1")
        #expect(try String(contentsOfFile: tokenFile, encoding: .utf8) == rotated + "\n")
        let mode = try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // The old token is dead at the server: only the saved one lets the next run in.
        try dovecot.addMessages(
            user: "alice@northwind.example", folder: "Sent", [Self.share(2, from: "alice@northwind.example")],
            startIndex: 1)
        let second = try CLI.run(["scan", "--config", config], environment: ScanCommandTests.environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try sandbox.storedEventIDs().count == 2)
        #expect(try server.grants("refresh_token")["alice@northwind.example"] == 2)
        let latest = try #require(
            (try server.stats()["refreshTokens"] as? [String: String])?["alice@northwind.example"])
        try Self.expectNoSecrets(
            [first, second], folder: folder,
            secrets: try server.accessTokens() + ["rt-initial-0b9f3a77c1", rotated, latest])
    }

    @Test func gongsUsersListChoosesTheMailboxesAndFillsEachSharersGongID() throws {
        let people: [(email: String, id: String, active: Bool)] = [
            ("alice@northwind.example", "234599484848423", true), ("bob@northwind.example", "9007199254740993", true),
            ("carol@northwind.example", "99999999999999999999", true), ("dave@northwind.example", "17", false),
            ("erin@contoso.example", "18", true),
        ]
        let emails = people.map(\.email)
        let server = try OAuth2TokenServer(users: emails)
        defer { server.stop() }
        let dovecot = try DovecotHarness(users: Self.users(emails), introspectionURL: server.introspectionURL)
        defer { dovecot.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let usersFile = folder.appendingPathComponent("users.json")
        try JSONSerialization.data(
            withJSONObject: people.map { ["id": $0.id, "emailAddress": $0.email, "active": $0.active] }
        ).write(to: usersFile)
        // Two users a page: the list comes in three pages, each a call under the sandbox's rate limit.
        let sandbox = try SandboxProcess(arguments: [
            "--rate", "0", "--users", usersFile.path, "--users-page-size", "2",
        ])
        defer { sandbox.stop() }
        for (index, email) in emails.enumerated() {
            try dovecot.addMessages(user: email, folder: "Sent", [Self.share(index, from: email)])
        }
        let config = try Self.writeConfig(
            Self.serviceAccountDefaults(dovecot, server)
                + "mailboxSources:\n  - gongUsers: { active: true, emailDomains: [northwind.example] }\n", in: folder,
            sandbox: sandbox)
        var environment = ScanCommandTests.environment
        // One machine: every run shares the Gong account's pace and budget.
        environment["SHARE_DETECTOR_STATE_DIR"] = folder.appendingPathComponent("account-state").path

        let resolved = try CLI.run(["validate", "--resolve", "--config", config], environment: environment)
        #expect(resolved.status == 0, "\(resolved.stderr)")
        let lines = resolved.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains(": imap ") }.count == 3)
        #expect(
            lines.contains {
                $0.hasPrefix("carol@northwind.example: imap") && $0.hasSuffix("Gong user 99999999999999999999")
            })
        #expect(!resolved.stdout.contains("dave@"), "inactive users are left out")
        #expect(!resolved.stdout.contains("erin@"), "users outside emailDomains are left out")
        let stats = try sandbox.get("/api/stats") as? [String: Any]
        #expect((stats?["users"] as? [String: Any])?["calls"] as? Int == 3)

        let scan = try CLI.run(["scan", "--config", config], environment: environment)
        #expect(scan.status == 0, "\(scan.stderr)")
        let stored = try sandbox.get("/api/events") as? [[String: Any]] ?? []
        var sharers: [String: String] = [:]
        for entry in stored {
            let sharer = (entry["event"] as? [String: Any])?["sharer"] as? [String: Any]
            if let email = sharer?["email"] as? String { sharers[email] = sharer?["id"] as? String }
        }
        #expect(
            sharers == [
                "alice@northwind.example": "234599484848423", "bob@northwind.example": "9007199254740993",
                "carol@northwind.example": "99999999999999999999",
            ])
        // The users calls count in the account's shared budget, like the event calls: 3 + 3 pages, 3 events.
        let status = try CLI.run(["status", "--json", "--config", config], environment: environment)
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect((object?["gong"] as? [String: Any])?["callsToday"] as? Int == 9, "\(status.stdout)")

        // Wrong Gong credentials: the list cannot be read, nothing is scanned, exit 3, the cause named.
        var wrong = environment
        wrong["TEST_GONG_SECRET"] = "not-the-secret-4f1c"
        let refused = try CLI.run(["scan", "--config", config], environment: wrong)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("mailboxSources[0].gongUsers: cannot list Gong's users"))
        #expect(!refused.stderr.contains("not-the-secret-4f1c"))
    }

    @Test func microsoftRefusalsNameTheMailboxAndTheFixAndStopOnlyTheApp() throws {
        let server = try OAuth2TokenServer(users: [])
        defer { server.stop() }
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // No IMAP server is needed: without a token no connection is even tried.
        let config = try Self.writeConfig(
            """
            mailboxDefaults:
              imap:
                url: imaps://127.0.0.1:1
                oauth2:
                  tenant: \(OAuth2TokenServer.tenant)
                  clientId: \(OAuth2TokenServer.clientID)
                  clientSecret: env:TEST_APP_SECRET
                  tokenURL: \(server.microsoftTokenURL)
            mailboxes:
              - name: alice
                imap: { username: alice@northwind.example }
              - name: bob
                imap: { username: bob@northwind.example }
            """, in: folder, sandbox: sandbox)
        var environment = ScanCommandTests.environment
        environment["TEST_APP_SECRET"] = "a-wrong-secret-8d2e"
        let wrong = try CLI.run(["scan", "--config", config], environment: environment)
        #expect(wrong.status == 3, "\(wrong.stderr)")
        for mailbox in ["alice", "bob"] {
            let line = wrong.stderr.split(separator: "\n").first { $0.hasPrefix("share-detector: \(mailbox):") } ?? ""
            #expect(line.contains("AADSTS7000215"), "\(wrong.stderr)")
            #expect(line.contains("give the secret's Value (not its Secret ID)"))
        }
        // One app, one request: the refusal is remembered for the run, not asked again for bob.
        #expect((try server.stats()["failedTokenRequests"] as? Int) == 1)
        #expect(!wrong.stderr.contains("a-wrong-secret-8d2e"))

        environment["TEST_APP_SECRET"] = OAuth2TokenServer.clientSecret
        try server.admin("/admin/revoke-app", form: ["clientId": OAuth2TokenServer.clientID])
        let unconsented = try CLI.run(["scan", "--config", config], environment: environment)
        #expect(unconsented.status == 3)
        #expect(unconsented.stderr.contains("AADSTS65001"))
        #expect(unconsented.stderr.contains("IMAP.AccessAsApp → Grant admin consent"))
        #expect(!unconsented.stderr.contains(OAuth2TokenServer.clientSecret))
    }

    @Test func aRepWhoLeavesTheListAndComesBackResumesFromTheirCheckpoint() throws {
        let emails = ["alice@northwind.example", "bob@northwind.example"]
        let server = try OAuth2TokenServer(users: emails)
        defer { server.stop() }
        let dovecot = try DovecotHarness(users: Self.users(emails), introspectionURL: server.introspectionURL)
        defer { dovecot.stop() }
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        for (index, email) in emails.enumerated() {
            try dovecot.addMessages(user: email, folder: "Sent", [Self.share(10 * index, from: email)])
        }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let reps = folder.appendingPathComponent("reps.csv")
        let config = try Self.writeConfig(
            Self.serviceAccountDefaults(dovecot, server) + "mailboxSources:\n  - csv: reps.csv\n", in: folder,
            sandbox: sandbox)
        let environment = ScanCommandTests.environment
        try Data("email\nalice@northwind.example\nbob@northwind.example\n".utf8).write(to: reps)
        let first = try CLI.run(["scan", "--config", config], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("bob@northwind.example: 1 fetched"))
        // bob leaves the list; his mail goes on arriving; he comes back.
        try Data("email\nalice@northwind.example\n".utf8).write(to: reps)
        let without = try CLI.run(["scan", "--config", config], environment: environment)
        #expect(without.status == 0, "\(without.stderr)")
        #expect(!without.stdout.contains("bob@"))
        try dovecot.addMessages(
            user: "bob@northwind.example", folder: "Sent", [Self.share(11, from: "bob@northwind.example")],
            startIndex: 1)
        try Data("email\nalice@northwind.example\nbob@northwind.example\n".utf8).write(to: reps)
        let back = try CLI.run(["scan", "--config", config], environment: environment)
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.contains("bob@northwind.example: 1 fetched, 1 parsed, 0 skipped, 1 shares, 1 new events"))
        #expect(try sandbox.storedEventIDs().count == 3)
    }
}
