import Foundation
import GongEngagement
import MailFetching
import OAuth2Tokens
import Testing

@testable import ShareDetectorKit

/// `mailboxDefaults`, `provider`, `oauth2` and `mailboxSources`: the config contract of organisation-wide access.
@Suite("Org access config")
struct OrgAccessConfigTests {
    private func parse(_ text: String) throws(ConfigError) -> TeamConfig {
        try TeamConfigLoader.parse(text, file: "/teams/emea.yml")
    }

    @Test func defaultsGiveEveryMailboxItsProviderServerAndGrantAndAMailboxsOwnKeysWin() throws {
        let config = try parse(
            """
            mailboxDefaults:
              imap:
                provider: gmail
                lastDays: 7
                oauth2:
                  serviceAccountKey: file:/etc/share-detector/sa.json
            mailboxes:
              - name: alice
                imap: { username: alice@northwind.example }
              - name: bob
                imap:
                  username: bob@northwind.example
                  lastDays: 2
                  folders: [Archive]
            """)
        #expect(config.mailboxes.count == 2)
        guard case .imap(let alice) = config.mailboxes[0].source, case .imap(let bob) = config.mailboxes[1].source
        else {
            Issue.record("IMAP mailboxes expected")
            return
        }
        #expect(alice.url == "imaps://imap.gmail.com")
        #expect(alice.provider == .gmail)
        #expect(alice.lastDays == 7)
        #expect(alice.folders.isEmpty)
        guard case .serviceAccount(let key)? = alice.oauth2?.flow else {
            Issue.record("a service account grant expected")
            return
        }
        #expect(key == .file("/etc/share-detector/sa.json"))
        #expect(bob.lastDays == 2)
        #expect(bob.folders == ["Archive"])
        #expect(config.imapDefaults?.username == "")
        #expect(config.imapDefaults?.url == "imaps://imap.gmail.com")
    }

    @Test func microsoftAppOnlyAndRefreshTokenGrantsAreRead() throws {
        let config = try parse(
            """
            mailboxDefaults:
              imap:
                provider: microsoft365
                oauth2:
                  tenant: northwind.onmicrosoft.com
                  clientId: 00000000-0000-0000-0000-000000000000
                  clientCertificate: file:certs/app.pem
                  clientKey: file:certs/app.key
            mailboxes:
              - name: carol
                imap:
                  username: carol@northwind.example
                  oauth2:
                    refreshToken: file:tokens/carol.refresh
                    clientId: 11111111-0000-0000-0000-000000000000
                    clientSecret: env:CONSENT_SECRET
                    tokenURL: http://127.0.0.1:9/token
            mailboxSources:
              - csv: reps.csv
            """)
        #expect(config.imapDefaults?.url == "imaps://outlook.office365.com")
        guard
            case .clientCredentials(let clientID, .certificate(let certificate, let key))? = config.imapDefaults?
                .oauth2?.flow
        else {
            Issue.record("a certificate grant expected")
            return
        }
        #expect(clientID == "00000000-0000-0000-0000-000000000000")
        #expect(certificate == .file("/teams/certs/app.pem"))
        #expect(key == .file("/teams/certs/app.key"))
        guard case .imap(let carol) = config.mailboxes[0].source,
            case .refreshToken(let token, let carolClient, let secret)? = carol.oauth2?.flow
        else {
            Issue.record("a refresh token grant expected")
            return
        }
        #expect(token == .file("/teams/tokens/carol.refresh"))
        #expect(carolClient == "11111111-0000-0000-0000-000000000000")
        #expect(secret == .environment("CONSENT_SECRET"))
        #expect(carol.oauth2?.tokenURL == "http://127.0.0.1:9/token")
        #expect(config.mailboxSources == [.csv("/teams/reps.csv")])
    }

    @Test func aMailboxsOwnLoginWindowOrServerReplacesTheDefaultsWholeGroup() throws {
        let config = try parse(
            """
            mailboxDefaults:
              imap:
                url: imaps://mail.northwind.example
                since: 2026-01-01
                oauth2: { serviceAccountKey: file:/k.json }
            mailboxes:
              - name: legacy
                imap:
                  username: legacy@northwind.example
                  password: env:LEGACY_PASSWORD
                  lastDays: 3
              - name: gmail
                imap: { provider: gmail, username: g@northwind.example }
              - name: default
                imap: { username: d@northwind.example }
            """)
        guard case .imap(let legacy) = config.mailboxes[0].source, case .imap(let gmail) = config.mailboxes[1].source,
            case .imap(let plain) = config.mailboxes[2].source
        else {
            Issue.record("IMAP mailboxes expected")
            return
        }
        #expect(legacy.password == .environment("LEGACY_PASSWORD"))
        #expect(legacy.oauth2 == nil)
        #expect(legacy.since == nil && legacy.lastDays == 3)
        #expect(gmail.url == "imaps://imap.gmail.com")
        #expect(plain.url == "imaps://mail.northwind.example")
        #expect(plain.since == "2026-01-01")
        #expect(plain.oauth2 != nil)
    }

    @Test func validateNamesEveryMissingKeyCertificateAndTokenFileOnceWithItsLine() throws {
        let config = try parse(
            """
            mailboxDefaults:
              imap:
                provider: microsoft365
                oauth2:
                  tenant: t.example
                  clientId: c
                  clientCertificate: file:/nonexistent/app.pem
                  clientKey: file:/nonexistent/app.key
            mailboxSources:
              - gongUsers: { active: true }
            mailboxes:
              - name: a
                imap: { username: a@t.example }
              - name: b
                imap:
                  username: b@t.example
                  oauth2: { refreshToken: file:/nonexistent/b.refresh, clientId: c, tenant: t.example }
            """)
        let problems = ConfigChecks.problems(config).map(\.description)
        #expect(
            problems.sorted() == [
                "/teams/emea.yml:17: missing-file: mailboxes[1].imap.oauth2.refreshToken: no such file or folder: "
                    + "/nonexistent/b.refresh",
                "/teams/emea.yml:7: missing-file: mailboxDefaults.imap.oauth2.clientCertificate: no such file or "
                    + "folder: /nonexistent/app.pem",
                "/teams/emea.yml:8: missing-file: mailboxDefaults.imap.oauth2.clientKey: no such file or folder: "
                    + "/nonexistent/app.key",
            ], "\(problems)")
        #expect(ConfigWarnings.check(config).contains { $0.contains("gongUsers has no emailDomains") })
    }

    @Test func theListingNeverShowsAPasswordWrittenInAURL() throws {
        let config = try parse(
            """
            mailboxes:
              - name: a
                imap: { url: "imaps://rep:Hunter2-pass@mail.example:993/Sent", username: a@x.example, password: env:P }
            """)
        let lines = MailboxDirectory.listing(config)
        #expect(lines == ["a: imap imaps://***@mail.example:993/Sent user a@x.example, password, the \\Sent folder"])
        #expect(MailboxDirectory.withoutUserInfo("imaps://mail.example/a@b") == "imaps://mail.example/a@b")
    }

    @Test func defaultsWithoutAServerAreFineWhenEachMailboxHasOne() throws {
        let config = try parse(
            """
            mailboxDefaults:
              imap:
                folders: [Sent]
                oauth2: { serviceAccountKey: file:/k.json }
            mailboxes:
              - name: a
                imap: { url: "imaps://a.example", username: a@a.example }
            """)
        #expect(config.mailboxes.count == 1)
    }

    @Test(arguments: [
        (
            "mailboxDefaults:\n  imap:\n    provider: gmial\n    oauth2: { serviceAccountKey: file:k }\n", 3,
            "mailboxDefaults.imap.provider", ConfigError.Code.invalidValue, "(did you mean 'gmail'?)"
        ),
        (
            "mailboxDefaults:\n  imap:\n    oauth2: { serviceAccountKey: file:k }\nmailboxes:\n  - name: a\n"
                + "    imap: { username: a@x.example }\n", 6, "mailboxes[0].imap.url", .missingKey,
            "needs a url, or provider: gmail or microsoft365"
        ),
        (
            "mailboxDefaults:\n  imap:\n    oauth2: { serviceAccountKey: file:k }\nmailboxSources:\n  - csv: r.csv\n",
            1,
            "mailboxDefaults.imap.url", .missingKey, "mailboxSources needs the server"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: gmail\n    oauth2:\n      serviceAccountKey: file:k\n"
                + "      clientSecret: env:S\n", 6, "mailboxDefaults.imap.oauth2.clientSecret", .invalidValue,
            "serviceAccountKey is a grant of its own"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: gmail\n    oauth2:\n      clientId: a\n      clientSecret: env:S\n",
            6, "mailboxDefaults.imap.oauth2.clientSecret", .invalidValue, "Gmail has no app-only access"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: microsoft365\n    oauth2:\n      clientId: a\n      clientSecret: env:S\n",
            5, "mailboxDefaults.imap.oauth2.tenant", .missingKey, "needs the tenant"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: microsoft365\n    oauth2:\n      tenant: t\n      clientId: a\n"
                + "      clientCertificate: file:c.pem\n", 5, "mailboxDefaults.imap.oauth2.clientKey", .missingKey,
            "needs its private key as clientKey"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: microsoft365\n    oauth2:\n      serviceAccountKey: file:k\n", 5,
            "mailboxDefaults.imap.oauth2.serviceAccountKey", .invalidValue, "Microsoft 365 has no service accounts"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: gmail\n    oauth2:\n      serviceAccountKey: file:k\n"
                + "      tokenURL: http://oauth2.example/token\n", 6, "mailboxDefaults.imap.oauth2.tokenURL",
            .invalidValue, "http:// only for a loopback host"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: gmail\n    oauth2:\n      refreshToken: file:r\n", 5,
            "mailboxDefaults.imap.oauth2.clientId", .missingKey, "refreshToken needs the clientId"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: gmail\n    oauth2:\n      serviceAcountKey: file:k\n", 5,
            "mailboxDefaults.imap.oauth2.serviceAcountKey", .unknownKey, "did you mean 'serviceAccountKey'"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: gmail\n    password: env:P\n    oauth2: { serviceAccountKey: file:k }\n",
            5, "mailboxDefaults.imap.oauth2", .invalidValue, "give one of password, oauth2Token or oauth2"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: gmail\nmailboxes:\n  - name: a\n    imap: { username: a@x.example }\n",
            6, "mailboxes[0].imap.oauth2", .missingKey, "here or in mailboxDefaults.imap"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: gmail\nmailboxSources:\n  - csv: reps.csv\n", 1,
            "mailboxDefaults.imap.oauth2", .missingKey, "needs the login every listed person's mailbox uses"
        ),
        (
            "mailboxSources:\n  - csv: reps.csv\n", 1, "mailboxDefaults.imap", .missingKey,
            "mailboxSources needs mailboxDefaults.imap"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: gmail\n    oauth2: { serviceAccountKey: file:k }\n"
                + "mailboxSources:\n  - ldap: x\n", 6, "mailboxSources[0].ldap", .unknownKey, "unknown key 'ldap'"
        ),
        (
            "mailboxDefaults:\n  imap:\n    provider: gmail\n    oauth2: { serviceAccountKey: file:k }\n"
                + "mailboxSources:\n  - gongUsers: { active: yes please }\n", 6, "mailboxSources[0].gongUsers.active",
            .invalidValue, "expected true or false"
        ),
    ])
    func errorsNameTheLineAndKey(text: String, line: Int, key: String, code: ConfigError.Code, fragment: String) {
        #expect {
            try parse(text)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.code == code && error.key == key && error.line == line
                && error.description.contains(fragment)
        }
    }

    @Test func csvOfRepsIsReadStrictlyWithLineNumbers() throws {
        let text =
            "\u{FEFF}email,Name,gongUserId\r\nAlice@Northwind.example,  \"Martin, Alice\",234599484848423\r\n"
            + "bob@northwind.example, ,\r\n\r\n\"carol@northwind.example\",\"Carol \"\"CJ\"\" Diaz\",9007199254740993\n"
        let rows = try RepsCSV.parse(Array(text.utf8), file: "reps.csv", key: "k")
        #expect(
            rows == [
                .init(email: "alice@northwind.example", name: "Martin, Alice", gongUserID: "234599484848423", line: 2),
                .init(email: "bob@northwind.example", name: nil, gongUserID: nil, line: 3),
                .init(
                    email: "carol@northwind.example", name: "Carol \"CJ\" Diaz", gongUserID: "9007199254740993", line: 5
                ),
            ])
        func failure(_ text: String) -> ConfigError? {
            do {
                _ = try RepsCSV.parse(Array(text.utf8), file: "reps.csv", key: "mailboxSources[0].csv")
                return nil
            } catch { return error }
        }
        #expect(
            failure("mail,name\na@x.example,A\n")?.message.contains("unknown column 'mail' (did you mean 'email'?)")
                == true)
        #expect(failure("name\nA\n")?.message.contains("no email column") == true)
        #expect(failure("email\na@x.example\nnot-an-address\n")?.line == 3)
        #expect(failure("email\na@x.example\nA@x.example\n")?.message.contains("listed twice (also on line 2)") == true)
        #expect(failure("email,gongUserId\na@x.example,12ab\n")?.message.contains("not a Gong user id") == true)
        #expect(failure("email,name\na@x.example,\"open\n")?.message.contains("not closed") == true)
        #expect(failure("email,name\na@x.example\n")?.message.contains("1 fields where the header has 2") == true)
        #expect(failure("")?.message.contains("empty") == true)
        #expect(failure("email\nnope\n")?.file == "reps.csv")
        #expect(failure("email\nnope\n")?.key == "mailboxSources[0].csv")
    }

    @Test func sourcesBecomeMailboxesNamedByAddressAndFillSharers() throws {
        var config = try parse(
            """
            mailboxDefaults:
              imap:
                provider: gmail
                oauth2: { serviceAccountKey: file:/k.json }
            mailboxes:
              - name: alice-by-hand
                imap: { username: alice@northwind.example }
            sharers:
              bob@northwind.example: "1"
            """)
        config.mailboxSources = [.gongUsers(activeOnly: true, emailDomains: ["northwind.example"])]
        let users = [
            GongUser(id: "234599484848423", emailAddress: "alice@northwind.example", active: true),
            GongUser(
                id: "9007199254740993", emailAddress: "Bob@Northwind.example", active: true, firstName: "Bob",
                lastName: "Lee"),
            GongUser(
                id: "3", emailAddress: "carol@contoso.example", active: true, emailAliases: ["carol@northwind.example"]),
            GongUser(id: "4", emailAddress: "dave@northwind.example", active: false),
            GongUser(id: "5", emailAddress: "erin@contoso.example", active: true),
        ]
        let people = MailboxDirectory.select(users, activeOnly: true, domains: ["northwind.example"])
        #expect(people.map(\.email) == ["alice@northwind.example", "bob@northwind.example", "carol@northwind.example"])
        let expanded = MailboxDirectory.expand(config, people: people)
        #expect(
            expanded.mailboxes.map(\.name) == ["alice-by-hand", "bob@northwind.example", "carol@northwind.example"])
        guard case .imap(let carol) = expanded.mailboxes[2].source else {
            Issue.record("IMAP expected")
            return
        }
        #expect(carol.username == "carol@northwind.example")
        #expect(carol.url == "imaps://imap.gmail.com")
        #expect(expanded.sharers["alice@northwind.example"] == "234599484848423")
        #expect(expanded.sharers["bob@northwind.example"] == "1", "an id set by hand wins")
        #expect(expanded.sharers["carol@contoso.example"] == "3", "aliases map to the same person")
        #expect(expanded.sharerNames["bob@northwind.example"] == "Bob Lee")
        #expect(MailboxDirectory.select(users, activeOnly: false, domains: []).count == 5)
    }
}

/// What `MailboxAccess` makes of a mailbox's OAuth 2 settings before any network call.
@Suite("Mailbox access")
struct MailboxAccessTests {
    /// A transport that must never be used.
    struct NoNetwork: OAuth2Transport {
        func post(url: String, form: [UInt8]) throws(OAuth2Error) -> (status: Int, body: [UInt8]) {
            Issue.record("no token request expected")
            throw OAuth2Error(.unavailable, detail: "no network in this test")
        }
    }

    @Test func aKeyFileWhoseTokenEndpointIsPlainHTTPElsewhereIsRefused() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyPath = folder.appendingPathComponent("key.pem").path
        let made = try DovecotHarness.run(
            "/usr/bin/openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", keyPath])
        #expect(made.status == 0)
        for (tokenURI, refused) in [
            ("http://oauth2.example/token", true), ("https://oauth2.googleapis.com/token", false),
        ] {
            let key: [String: Any] = [
                "type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com", "client_id": "1",
                "private_key_id": "k", "private_key": try String(contentsOfFile: keyPath, encoding: .utf8),
                "token_uri": tokenURI,
            ]
            let keyFile = folder.appendingPathComponent("sa.json").path
            try JSONSerialization.data(withJSONObject: key).write(to: URL(fileURLWithPath: keyFile))
            let config = try TeamConfigLoader.parse(
                """
                mailboxes:
                  - name: alice
                    imap:
                      provider: gmail
                      username: alice@northwind.example
                      oauth2: { serviceAccountKey: "file:\(keyFile)" }
                """, file: folder.appendingPathComponent("team.yml").path)
            guard case .imap(let settings) = config.mailboxes[0].source else { return }
            let access = MailboxAccess(config: config, transport: NoNetwork(), diagnostics: OutputSink())
            do {
                let credential = try access.credential(for: settings, mailbox: "alice")
                #expect(!refused, "\(tokenURI) accepted")
                #expect("\(credential)" == "oauth2Token(***)")
            } catch {
                #expect(refused, "\(error.message)")
                #expect(error.exitCode == 2)
                #expect(error.message.contains("token_uri must be an https:// URL"))
            }
        }
    }
}
