import Foundation
import Synchronization
import Testing

@testable import ShareDetectorKit

#if canImport(Glibc)
    import Glibc
#endif

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
        ("team: x\ngong:\n  baseURL: http://example.com\n", 3, "gong.baseURL", .invalidValue, "in clear"),
        ("gong:\n  baseURL: http://127.0.0.1.example.com\n", 2, "gong.baseURL", .invalidValue, "loopback"),
        ("gong:\n  baseURL: http://10.0.0.1:8080\n", 2, "gong.baseURL", .invalidValue, "https://"),
        ("gong:\n  alertAfterHours: 0\n", 2, "gong.alertAfterHours", .invalidValue, "above 0"),
        ("gong:\n  alertAfterHours: soon\n", 2, "gong.alertAfterHours", .invalidValue, "above 0"),
        ("gong:\n  maxWaitSeconds: -1\n", 2, "gong.maxWaitSeconds", .invalidValue, "from 0.0"),
        ("gong:\n  caFile: \"\"\n", 2, "gong.caFile", .invalidValue, "expected a path"),
        ("team: x\nsecretCommandTimeoutSeconds: 0\n", 2, "secretCommandTimeoutSeconds", .invalidValue, "above 0"),
        (
            "team: x\ngong:\n  api: digital-interactions\n", 3, "gong.api", .invalidValue,
            "expected content-shared or digital-interaction, got 'digital-interactions' (did you mean 'digital-interaction'?)"
        ),
        ("gong:\n  api: [content-shared]\n", 2, "gong.api", .invalidValue, "expected"),
        (
            "mailboxes:\n  - name: a\n    imap:\n      url: imaps://x\n      username: u\n      password: env:P\n"
                + "      fetch: headers\n", 7, "mailboxes[0].imap.fetch", .invalidValue, "expected parts or whole"
        ),
        ("team: x\nconcurrency: 0\n", 2, "concurrency", .invalidValue, "a whole number from 1 to 64"),
        ("concurrency: 2.5\n", 1, "concurrency", .invalidValue, "a whole number"),
        ("imap:\n  maxConnectionsPerHost: 500\n", 2, "imap.maxConnectionsPerHost", .invalidValue, "from 1 to 100"),
        (
            "imap:\n  maxConnectionPerHost: 5\n", 2, "imap.maxConnectionPerHost", .unknownKey,
            "did you mean 'maxConnectionsPerHost'"
        ),
        (
            "team: x\nstate: postgresql://sd:fake-pg-secret@db.internal/sd\n", 2, "state", .invalidValue,
            "statePassword: env:NAME"
        ),
        (
            "state: postgres://db.internal/sd?sslmode=require&password=fake-pg-secret\n", 1, "state", .invalidValue,
            "password parameter"
        ),
        ("team: x\nstatePassword: env:P\n", 2, "statePassword", .invalidValue, "for a PostgreSQL ledger"),
        ("leaseSeconds: 0\n", 1, "leaseSeconds", .invalidValue, "above 0"),
        ("statePasword: env:P\n", 1, "statePasword", .unknownKey, "did you mean 'statePassword'"),
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

    @Test func aPostgreSQLStateIsAURLWithThePasswordElsewhere() throws {
        let config = try parse(
            "team: emea\nstate: postgresql://share_detector@db.internal:5432/sd?sslmode=verify-full\n"
                + "statePassword: env:SD_PG_PASSWORD\nleaseSeconds: 90\n")
        #expect(config.stateURL == "postgresql://share_detector@db.internal:5432/sd?sslmode=verify-full")
        #expect(config.stateLocation == config.stateURL)
        #expect(config.statePassword == SecretReference("env:SD_PG_PASSWORD", relativeTo: "/teams"))
        #expect(config.leaseSeconds == 90)
        #expect(ConfigWarnings.check(config).isEmpty)
        let unnamed = try parse("state: postgresql://db.internal/sd\n")
        #expect(ConfigWarnings.check(unnamed).contains { $0.contains("no team: on a shared PostgreSQL ledger") })
        let file = try parse("state: state/emea.sqlite\n")
        #expect(file.stateURL == nil && file.statePath == "/teams/state/emea.sqlite" && file.leaseSeconds == 60)
    }

    @Test func gongAPIDefaultsToContentSharedAndReadsDigitalInteraction() throws {
        #expect(try parse("team: x\n").gong.api == .contentShared)
        let config = try parse("team: x\ngong:\n  api: digital-interaction\n  workspaceId: \"42\"\n")
        #expect(config.gong.api == .digitalInteraction)
        #expect(config.keyLines["gong.api"] == 3)
        #expect(
            ConfigWarnings.check(config) == [
                "/teams/emea.yml: gong.workspaceId is not sent: Gong's digital-interaction API has no workspace field"
            ])
        #expect(ConfigWarnings.check(try parse("gong:\n  workspaceId: \"42\"\n")) == [])
    }

    @Test func newDeliveryAndSecretKeysHaveDefaultsAndRead() throws {
        let defaults = try parse("team: x\n")
        #expect(defaults.gong.alertAfterHours == 24)
        #expect(defaults.gong.maxWaitSeconds == 60)
        #expect(defaults.gong.caFile == nil)
        #expect(defaults.secretCommandTimeoutSeconds == 30)
        #expect(defaults.concurrency == 4)
        #expect(defaults.imapMaxConnectionsPerHost == 8)
        let parallel = try parse("concurrency: 12\nimap:\n  maxConnectionsPerHost: 15\n")
        #expect(parallel.concurrency == 12)
        #expect(parallel.imapMaxConnectionsPerHost == 15)
        let config = try parse(
            """
            secretCommandTimeoutSeconds: 2.5
            gong:
              alertAfterHours: 0.5
              maxWaitSeconds: 0
              caFile: certs/proxy-ca.pem
            """)
        #expect(config.gong.alertAfterHours == 0.5)
        #expect(config.gong.maxWaitSeconds == 0)
        #expect(config.gong.caFile == "/teams/certs/proxy-ca.pem")
        #expect(config.secretCommandTimeoutSeconds == 2.5)
        #expect(config.keyLines["gong.caFile"] == 5)
        #expect(try parse("gong:\n  caFile: /etc/ssl/x.pem\n").gong.caFile == "/etc/ssl/x.pem")
    }

    @Test(arguments: [
        "http://127.0.0.1:8471", "http://127.1.2.3", "http://localhost:9000/", "http://[::1]:8080", "https://x.example",
    ])
    func plainHTTPIsAllowedOnlyForLoopback(url: String) throws {
        #expect(
            try parse("gong:\n  baseURL: \(url)\n").gong.baseURL.hasPrefix(url.hasPrefix("https") ? "https" : "http"))
    }

    @Test func configChecksNameEveryMissingMailboxAndFile() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("From a\n".utf8).write(to: folder.appendingPathComponent("here.mbox"))
        let file = folder.appendingPathComponent("team.yml").path
        let config = try parse(
            """
            gong:
              caFile: certs/missing-ca.pem
            mailboxes:
              - name: present
                mbox: here.mbox
              - name: gone
                mbox: archive/gone.mbox
              - name: folder
                eml: no-such-folder/
            """, file: file)
        let problems = ConfigChecks.problems(config)
        #expect(problems.map(\.key) == ["mailboxes[1].mbox", "mailboxes[2].eml", "gong.caFile"])
        #expect(problems.map(\.line) == [7, 9, 2])
        #expect(problems.allSatisfy { $0.code == .missingFile && $0.file == file })
        #expect(problems[0].description.hasPrefix("\(file):7: missing-file: mailboxes[1].mbox: no such file"))
        #expect(problems[0].description.contains(folder.appendingPathComponent("archive/gone.mbox").path))

        let empty = ConfigChecks.problems(try parse("team: x\nmailboxes: []\n", file: file))
        #expect(
            empty.map(\.description) == [
                "\(file):2: missing-key: mailboxes: no mailboxes to scan: add at least one with mbox, eml or imap, or mailboxSources"
            ])
        #expect(ConfigChecks.problems(try parse("team: x\n", file: file)).map(\.key) == ["mailboxes"])
    }

    @Test func commandSecretsRunInTheConfigFolder() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("from-a-relative-file\n".utf8).write(to: folder.appendingPathComponent("token.txt"))
        let file = folder.appendingPathComponent("team.yml")
        try Data("gong:\n  bearerToken: command:cat token.txt\n".utf8).write(to: file)
        let config = try TeamConfigLoader.load(path: file.path)
        #expect(try config.resolve(config.gong.bearerToken!) == "from-a-relative-file")
        let pwd = try config.resolve(.command("pwd -P"))
        #expect(pwd == URL(fileURLWithPath: folder.path).resolvingSymlinksInPath().path)
    }

    /// Secret commands started at the same moment from several threads: no child may inherit another command's pipe
    /// (it would hold that pipe open, and its reader would wait for a stranger to exit). A quick command among slow
    /// ones must come back at once, every time.
    @Test func concurrentCommandsNeverInheritEachOthersPipes() throws {
        let config = {
            var config = TeamConfig()
            config.directory = FileManager.default.temporaryDirectory.path
            return config
        }()
        for round in 0..<6 {
            // Eight real threads (not the cooperative pool, which has as many threads as cores), released at once.
            let start = DispatchSemaphore(value: 0)
            let done = DispatchGroup()
            let results = Mutex<[(quick: Bool, value: String, elapsed: TimeInterval)]>([])
            for index in 0..<8 {
                let isQuick = index == round % 8
                done.enter()
                Thread.detachNewThread {
                    start.wait()
                    let begun = Date()
                    let value = (try? config.resolve(.command(isQuick ? "echo quick" : "sleep 1.5; echo slow"))) ?? ""
                    results.withLock { $0.append((isQuick, value, Date().timeIntervalSince(begun))) }
                    done.leave()
                }
            }
            for _ in 0..<8 { start.signal() }
            done.wait()
            let all = results.withLock { $0 }
            #expect(all.allSatisfy { $0.value == ($0.quick ? "quick" : "slow") })
            let quick = all.first { $0.quick }?.elapsed ?? -1
            #expect(quick >= 0 && quick < 1.0, "round \(round): the quick command took \(quick) s")
        }
    }

    @Test func aCommandThatNeverEndsIsKilledWithItsProcessGroup() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pidFile = folder.appendingPathComponent("child.pid").path
        var config = TeamConfig()
        config.directory = folder.path
        config.secretCommandTimeoutSeconds = 0.5
        let started = Date()
        #expect {
            try config.resolve(.command("sleep 1000 & echo $! > \(pidFile); echo waiting >&2; wait"))
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("command:sleep…: the command did not finish within 0.5 s")
                && text.contains("process group was killed") && text.contains("it said: waiting")
        }
        #expect(Date().timeIntervalSince(started) < 10)
        let childPID = try #require(
            Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // The background child was in the killed group: it is gone (reaped by init, or a zombie no more than briefly).
        var gone = false
        for _ in 0..<200 where !gone {
            gone = kill(childPID, 0) != 0 || Self.isZombie(childPID)
            if !gone { usleep(10_000) }
        }
        #expect(gone, "the command's child \(childPID) survived the timeout")
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }

    @Test func aFailingCommandsStandardErrorIsInTheErrorScrubbedOfItsOutput() throws {
        var config = TeamConfig()
        config.directory = "/"
        #expect {
            try config.resolve(.command("echo helper-cannot-reach-vault >&2; exit 4"))
        } throws: { "\($0)" == "command:echo…: the command exited with status 4; it said: helper-cannot-reach-vault" }
        #expect {
            try config.resolve(.command("echo s3cret-token-value; echo got s3cret-token-value then failed >&2; exit 1"))
        } throws: { error in
            let text = "\(error)"
            return !text.contains("s3cret-token-value") && text.contains("it said: got *** then failed")
        }
        var long = ""
        do { _ = try config.resolve(.command("head -c 100000 /dev/zero | tr '\\0' x >&2; exit 2")) } catch {
            long = "\(error)"
        }
        #expect(long.contains("status 2; it said: xxx"))
        #expect(long.count < 700)
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
            "alertAfterHours", "maxWaitSeconds", "secretCommandTimeoutSeconds", "concurrency", "maxConnectionsPerHost",
            "fetch", "statePassword", "leaseSeconds",
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
        #expect(result.stderr.contains("\(file.path):4:3: unknown-key: gong.callsPerSecnd"))
    }

    @Test func missingMailboxesAndPathsAreReportedWithStatus2() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("team.yml")
        try Data("team: x\nmailboxes:\n  - name: a\n    mbox: gone.mbox\n  - name: b\n    eml: gone/\n".utf8)
            .write(to: file)
        let result = try CLI.run(["validate", "--config", file.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(file.path):4: missing-file: mailboxes[0].mbox: no such file or folder: "))
        #expect(result.stderr.contains("\(file.path):6: missing-file: mailboxes[1].eml"))
        #expect(!result.stdout.contains("OK"))

        try Data("team: x\n".utf8).write(to: file)
        let none = try CLI.run(["validate", "--config", file.path])
        #expect(none.status == 2)
        #expect(none.stderr.contains("\(file.path):1: missing-key: mailboxes: no mailboxes to scan"))
    }

    @Test func scanRefusesNoMailboxesAndNamesAMissingMailboxPath() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("team.yml")
        let gong = "gong:\n  baseURL: http://127.0.0.1:9\n  bearerToken: env:SD_NO_TOKEN\n"
        try Data("team: x\n\(gong)".utf8).write(to: file)
        let none = try CLI.run(["scan", "--config", file.path])
        #expect(none.status == 2, "\(none.stderr)")
        #expect(none.stderr.contains("\(file.path):1: missing-key: mailboxes"))

        try Data("team: x\n\(gong)mailboxes:\n  - name: a\n    mbox: gone.mbox\n".utf8).write(to: file)
        let missing = try CLI.run(["scan", "--config", file.path], environment: ["SD_NO_TOKEN": "t"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("\(file.path):7: missing-file: mailboxes[0].mbox"), "\(missing.stderr)")
        #expect(missing.stderr.contains(folder.appendingPathComponent("gone.mbox").path))
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
