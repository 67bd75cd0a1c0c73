import Foundation
import Testing

@testable import ShareDetectorKit

@Suite("Team config")
struct TeamConfigTests {
    private func parse(_ text: String, file: String = "/teams/emea.yml") throws(ConfigError) -> TeamConfig {
        try TeamConfigLoader.parse(text, file: file)
    }

    @Test func readsEveryKeyOfTheProductContract() throws {
        let config = try parse(
            """
            team: emea-sales
            internalDomains: [Northwind.example, northwind-labs.example]
            state: state/emea.sqlite
            exclude:
              domains: [agency.example]
              addresses: [Legal@contoso.example]
            gong:
              baseURL: https://us-55616.api.gong.io/
              accessKey: env:GONG_ACCESS_KEY
              accessKeySecret: file:secrets/gong
              reportingSystem: share-detector-emea
              workspaceId: "623457276584334"
              callsPerSecond: 2.5
              callsPerDay: 9000
              includeMessageBody: false
            mailboxes:
              - name: alice
                imap:
                  url: imaps://imap.northwind.example/Sent
                  username: alice@northwind.example
                  password: command:pass show mail/alice
                  folders: [Sent, "Sent Items"]
              - name: bob-archive
                mbox: archive/bob-sent.mbox
            sharers:
              Alice@northwind.example: "234599484848423"
            crmAccounts:
              contoso.example: "0013601230sV7grAAC"
            """)
        #expect(config.team == "emea-sales")
        #expect(config.internalDomains == ["northwind.example", "northwind-labs.example"])
        #expect(config.statePath == "/teams/state/emea.sqlite")
        #expect(config.excludedDomains == ["agency.example"])
        #expect(config.excludedAddresses == ["legal@contoso.example"])
        #expect(config.gong.baseURL == "https://us-55616.api.gong.io")
        #expect(config.gong.accessKey == .environment("GONG_ACCESS_KEY"))
        #expect(config.gong.accessKeySecret == .file("/teams/secrets/gong"))
        #expect(config.gong.workspaceId == "623457276584334")
        #expect(config.gong.callsPerSecond == 2.5)
        #expect(config.gong.callsPerDay == 9000)
        #expect(config.gong.includeMessageBody == false)
        #expect(config.mailboxes.map(\.name) == ["alice", "bob-archive"])
        guard case .imap(let imap) = config.mailboxes[0].source else {
            Issue.record("expected an IMAP mailbox")
            return
        }
        #expect(imap.password == .command("pass show mail/alice"))
        #expect(imap.folders == ["Sent", "Sent Items"])
        guard case .mbox(let path) = config.mailboxes[1].source else {
            Issue.record("expected an mbox mailbox")
            return
        }
        #expect(path == "/teams/archive/bob-sent.mbox")
        #expect(config.sharers == ["alice@northwind.example": "234599484848423"])
        #expect(config.crmAccounts == ["contoso.example": "0013601230sV7grAAC"])
        #expect(config.literalSecretKeys.isEmpty)
    }

    @Test(arguments: [
        (
            "team: x\ngong:\n  callsPerSecnd: 3\n", 3, "gong.callsPerSecnd", ConfigError.Code.unknownKey,
            "did you mean 'callsPerSecond'"
        ),
        ("gong:\n  callsPerSecond: fast\n", 2, "gong.callsPerSecond", .invalidValue, "expected a number"),
        ("gong:\n  baseURL: ftp://x\n", 2, "gong.baseURL", .invalidValue, "http(s) URL"),
        ("gong:\n  accessKey: env:K\n", 2, "gong.accessKeySecret", .missingKey, "go together"),
        ("mailboxes:\n  - name: a\n", 2, "mailboxes[0]", .missingKey, "one of mbox, eml or imap"),
        (
            "mailboxes:\n  - name: a\n    imap:\n      url: https://x\n      username: u\n      password: env:P\n", 4,
            "mailboxes[0].imap.url", .invalidValue, "imaps://"
        ),
        (
            "mailboxes:\n  - {name: a, mbox: x}\n  - {name: a, mbox: y}\n", 3, "mailboxes[1].name", .invalidValue,
            "used twice"
        ),
        ("team: [unclosed\n", 0, "", .yamlSyntax, "YAML"),
    ])
    func errorsNameFileLineAndKey(text: String, line: Int, key: String, code: ConfigError.Code, fragment: String) {
        #expect {
            try parse(text)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            let lineMatches = line == 0 || error.line == line
            return error.code == code && error.key == key && lineMatches && error.file == "/teams/emea.yml"
                && error.description.contains(fragment)
        }
    }

    @Test func literalSecretsAreNotedAndNeverShown() throws {
        let config = try parse("gong:\n  accessKey: AKIA-literal-key-value\n  accessKeySecret: hunter2-super-secret\n")
        #expect(config.literalSecretKeys == ["gong.accessKey", "gong.accessKeySecret"])
        #expect(config.gong.accessKeySecret?.description == "(literal value)")
        #expect(!String(describing: config.gong.accessKeySecret!).contains("hunter2"))
    }

    @Test func literalSecretInAReadableFileIsWarnedAbout() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("team.yml")
        try Data("gong:\n  bearerToken: literal-token-123\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        let warnings = ConfigWarnings.check(try TeamConfigLoader.load(path: file.path))
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("gong.bearerToken") == true)
        #expect(warnings.first?.contains("literal-token-123") == false)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(ConfigWarnings.check(try TeamConfigLoader.load(path: file.path)).isEmpty)
    }

    @Test func secretReferencesResolveWithoutLeakingValues() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("from-file\n".utf8).write(to: folder.appendingPathComponent("token"))
        #expect(try SecretReference("file:token", relativeTo: folder.path).resolve() == "from-file")
        #expect(
            try SecretReference("env:SD_TEST_SECRET", relativeTo: "/").resolve(environment: ["SD_TEST_SECRET": "v1"])
                == "v1")
        #expect(try SecretReference("command:printf 'from-command\\n'", relativeTo: "/").resolve() == "from-command")
        #expect {
            try SecretReference("env:SD_MISSING", relativeTo: "/").resolve(environment: [:])
        } throws: { ($0 as? SecretError)?.description == "env:SD_MISSING: environment variable SD_MISSING is not set" }
        #expect(throws: SecretError.self) { try SecretReference("command:exit 3", relativeTo: "/").resolve() }
    }

    @Test func exampleConfigParsesAndDocumentsEveryKey() throws {
        let example = CLI.packageRoot.appendingPathComponent("config.example.yml")
        let text = try String(contentsOf: example, encoding: .utf8)
        _ = try TeamConfigLoader.parse(text, file: example.path)
        let documented = [
            "team", "internalDomains", "rules", "builtInRules", "exclude", "domains", "addresses", "state", "gong",
            "baseURL", "accessKey", "accessKeySecret", "bearerToken", "reportingSystem", "workspaceId",
            "callsPerSecond", "callsPerDay", "includeMessageBody", "maxBodyBytes", "connectTimeoutSeconds",
            "requestTimeoutSeconds", "mailboxes", "name", "mbox", "eml", "imap", "url", "username", "password",
            "oauth2Token", "caFile", "folders", "allowInsecure", "since", "lastDays", "sharers", "crmAccounts",
        ]
        for key in documented {
            #expect(text.contains("\(key):") || text.contains("\(key) "), "config.example.yml documents \(key)")
        }
    }
}

@Suite("share-detector validate (end to end)")
struct ValidateCommandTests {
    @Test func aGoodConfigPassesWithASummary() throws {
        let result = try CLI.run(["validate", "--config", "examples/config.yml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("team example, 1 mailbox(es)"))
        #expect(result.stdout.contains("OK"))
    }

    @Test func aBadConfigNamesFileLineAndKeyWithStatus2() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("team.yml")
        try Data("team: x\ngong:\n  reportingSystem: r\n  callsPerSecnd: 3\n".utf8).write(to: file)
        let result = try CLI.run(["validate", "--config", file.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(file.path):4: unknown-key: gong.callsPerSecnd"))
    }

    @Test func aBrokenTeamRuleNamesItsFileLineAndKey() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("rules"), withIntermediateDirectories: true)
        try Data("rules:\n  - id: cms\n    hots: [cms.example]\n".utf8)
            .write(to: folder.appendingPathComponent("rules/cms.yml"))
        let file = folder.appendingPathComponent("team.yml")
        try Data("rules: [rules]\n".utf8).write(to: file)
        let result = try CLI.run(["validate", "--config", file.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("rules/cms.yml:3"))
        #expect(result.stderr.contains("hots"))
    }
}
