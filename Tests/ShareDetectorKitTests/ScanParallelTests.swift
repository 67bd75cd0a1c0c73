import Foundation
import Testing

/// Mailboxes read in parallel and delivery while scanning, end to end: a real Dovecot on loopback, the sandbox for
/// Gong, the built binary.
@Suite(
    "scan: mailboxes in parallel (Dovecot)", .serialized,
    .enabled(if: DovecotHarness.isAvailable, Comment(rawValue: DovecotHarness.skipMessage))
)
struct ScanParallelTests {
    /// Five mailboxes of four shares each (two Dovecot users, one folder per mailbox), the first one slow to log in
    /// (its password command sleeps 2 s, then notes the time in `login-at`), and a sixth whose password is wrong.
    static func writeConfig(in folder: URL, dovecot: DovecotHarness, sandbox: SandboxProcess) throws -> String {
        var mailboxes = ""
        let plan = [("slow", 0, "S1"), ("a", 0, "S2"), ("b", 0, "S3"), ("c", 1, "S4"), ("d", 1, "S5")]
        for (name, user, mailFolder) in plan {
            let password =
                name == "slow"
                ? "'command:sleep 2; date +%s.%N > login-at; printf %s \"$TEST_IMAP_PASSWORD_0\"'"
                : "env:TEST_IMAP_PASSWORD_\(user)"
            mailboxes += """

                  - name: \(name)
                    imap:
                      url: \(dovecot.imapsURL)
                      username: \(dovecot.users[user].name)
                      password: \(password)
                      caFile: \(dovecot.certificatePath)
                      folders: [\(mailFolder)]
                """
        }
        mailboxes += """

              - name: refused
                imap:
                  url: \(dovecot.imapsURL)
                  username: \(dovecot.users[1].name)
                  password: env:TEST_IMAP_WRONG
                  caFile: \(dovecot.certificatePath)
            """
        let config = """
            team: parallel
            internalDomains: [northwind.example]
            state: state/ledger.sqlite
            concurrency: 4
            imap:
              maxConnectionsPerHost: 8
            gong:
              baseURL: \(sandbox.baseURL)
              accessKey: env:TEST_GONG_KEY
              accessKeySecret: env:TEST_GONG_SECRET
              callsPerSecond: 50
            mailboxes:\(mailboxes)
            """
        let path = folder.appendingPathComponent("team.yml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func eventIDs(_ stdout: String) throws -> [String] {
        try stdout.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object?["eventId"] as? String)
        }
    }

    @Test func parallelMailboxesRecordTheEventsOfASequentialScanAndDeliverWhileScanning() throws {
        let dovecot = try DovecotHarness()
        defer { dovecot.stop() }
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        let now = Date()
        for (folderIndex, (user, mailFolder)) in [(0, "S1"), (0, "S2"), (0, "S3"), (1, "S4"), (1, "S5")].enumerated() {
            try dovecot.addMessages(
                user: dovecot.users[user].name, folder: mailFolder,
                (0..<4).map { message in
                    let index = folderIndex * 10 + message
                    return ScanIMAPTests.share(index, date: now.addingTimeInterval(Double(-600 * message)))
                }, startIndex: folderIndex * 10)
        }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configPath = try Self.writeConfig(in: folder, dovecot: dovecot, sandbox: sandbox)
        var environment = ScanCommandTests.environment
        environment["TEST_IMAP_PASSWORD_0"] = dovecot.users[0].password
        environment["TEST_IMAP_PASSWORD_1"] = dovecot.users[1].password
        environment["TEST_IMAP_WRONG"] = "not-the-password-41"

        // One at a time and four at once: the same events; the refused mailbox stops only itself (exit 3).
        let sequential = try CLI.run(
            ["scan", "--dry-run", "--json", "--concurrency", "1", "--config", configPath], environment: environment)
        let parallel = try CLI.run(["scan", "--dry-run", "--json", "--config", configPath], environment: environment)
        #expect(sequential.status == 3, "\(sequential.stderr)")
        #expect(parallel.status == 3, "\(parallel.stderr)")
        let expected = try Self.eventIDs(sequential.stdout).sorted()
        #expect(expected.count == 20)
        #expect(try Self.eventIDs(parallel.stdout).sorted() == expected)
        #expect(parallel.stderr.contains("refused: "))
        #expect(!parallel.stderr.contains("not-the-password-41"))

        // The real scan: every share recorded and delivered once; the sender starts before the slow mailbox has
        // even logged in.
        let scan = try CLI.run(["scan", "--config", configPath], environment: environment)
        #expect(scan.status == 3, "\(scan.stderr)")
        #expect(try sandbox.storedEventIDs().sorted() == expected)
        let summaryLines = scan.stdout.split(separator: "\n").map(String.init)
        #expect(
            summaryLines.prefix(6).map { $0.prefix(while: { $0 != ":" }) } == [
                "slow", "a", "b", "c", "d", "refused",
            ], "the summary keeps config order: \(scan.stdout)")
        for name in ["slow", "a", "b", "c", "d"] {
            #expect(
                scan.stdout.contains("\(name): 4 fetched, 4 parsed, 0 skipped, 4 shares, 4 new events, 4 delivered"))
        }
        #expect(scan.stdout.contains("refused: not scanned: "))
        let loginText = try String(contentsOf: folder.appendingPathComponent("login-at"), encoding: .utf8)
        let slowLogin = try #require(Double(loginText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let received = try (sandbox.get("/api/events") as? [[String: Any]] ?? []).compactMap {
            $0["receivedAt"] as? String
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let first = try #require(received.compactMap { formatter.date(from: $0) }.min())
        #expect(first.timeIntervalSince1970 < slowLogin, "the first event reached Gong while a mailbox was unread")

        // A second run reads nothing new and sends nothing twice.
        let again = try CLI.run(["scan", "--config", configPath], environment: environment)
        #expect(again.stdout.contains("a: 0 fetched"))
        #expect(try sandbox.storedEventIDs().count == 20)
    }
}
