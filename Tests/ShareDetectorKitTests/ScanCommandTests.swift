import Foundation
import ShareLedger
import Testing

/// `scan`, `send` and `status` end to end: the built binary against the sandbox binary over loopback.
@Suite("scan, send and status against the Gong sandbox", .serialized)
struct ScanCommandTests {
    static let secret = "sandbox-secret-value"
    static let environment = ["TEST_GONG_KEY": "sandbox-key", "TEST_GONG_SECRET": secret]
    static let mailbox = CLI.packageRoot.appendingPathComponent("examples/sent.mbox")

    /// The event ids `test --json` predicts for the example mailbox.
    static func expectedEventIDs() throws -> [String] {
        let result = try CLI.run(["test", "--json", "--config", "examples/config.yml", "examples/sent.mbox"])
        return try result.stdout.split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["eventId"] as? String ?? ""
        }
    }

    @Test func scanDeliversEveryEventExactlyOnceAndASecondRunSendsNothing() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        let team = try TeamFolder(mailbox: Self.mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 20)
        defer { team.remove() }
        let expected = try Self.expectedEventIDs()
        #expect(expected.count == 6)

        let first = try CLI.run(["scan", "--config", team.configPath], environment: Self.environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("alice: 6 fetched, 6 parsed, 0 skipped, 6 shares, 6 new events, 6 delivered"))
        let stored = try sandbox.storedEventIDs()
        #expect(stored.sorted() == expected.sorted())

        let second = try CLI.run(["scan", "--config", team.configPath], environment: Self.environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("0 new events"))
        #expect(second.stdout.contains("delivery: 0 calls"))
        #expect(try sandbox.storedEventIDs().count == 6)

        let status = try CLI.run(["status", "--json", "--config", team.configPath])
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect((object?["events"] as? [String: Int])?["delivered"] == 6)
        #expect((object?["checkpoints"] as? [[String: Any]])?.count == 1)
        let text = try CLI.run(["status", "--config", team.configPath])
        #expect(text.stdout.contains("delivered 6"))
    }

    @Test func dryRunPrintsEventsAndChangesNothing() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        let team = try TeamFolder(mailbox: Self.mailbox, sandboxURL: sandbox.baseURL)
        defer { team.remove() }
        let result = try CLI.run(["scan", "--dry-run", "--json", "--config", team.configPath], environment: [:])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 6)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["contentId"] as? String == "gdoc:document:1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")
        #expect((first?["source"] as? [String: Any])?["file"] as? String == Self.mailbox.path)
        #expect(!FileManager.default.fileExists(atPath: team.statePath))
        #expect(try sandbox.storedEventIDs().isEmpty)
    }

    @Test func refusedCredentialsStopWithExit3NamingTheKeyNotTheSecret() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        let team = try TeamFolder(mailbox: Self.mailbox, sandboxURL: sandbox.baseURL)
        defer { team.remove() }
        let wrongSecret = "wrong-secret-9f8e7d"
        let result = try CLI.run(
            ["scan", "--config", team.configPath],
            environment: ["TEST_GONG_KEY": "sandbox-key", "TEST_GONG_SECRET": wrongSecret])
        #expect(result.status == 3)
        #expect(result.stderr.contains("401"))
        #expect(result.stderr.contains("gong"))
        #expect(!result.stderr.contains(wrongSecret) && !result.stdout.contains(wrongSecret))
        let status = try CLI.run(["status", "--config", team.configPath])
        #expect(status.stdout.contains("pending 6"))
        #expect(!status.stdout.contains(wrongSecret))
        let ledgerBytes = try Data(contentsOf: URL(fileURLWithPath: team.statePath))
        #expect(ledgerBytes.range(of: Data(wrongSecret.utf8)) == nil)
        #expect(try sandbox.storedEventIDs().isEmpty)
    }

    @Test func missingSecretIsAConfigErrorNamingTheReference() throws {
        let team = try TeamFolder(mailbox: Self.mailbox, sandboxURL: "http://127.0.0.1:9")
        defer { team.remove() }
        let result = try CLI.run(["scan", "--config", team.configPath], environment: ["TEST_GONG_KEY": ""])
        #expect(result.status == 2)
        #expect(result.stderr.contains("env:TEST_GONG_KEY"))
    }

    @Test func rateLimitedCallsAreRetriedAfterRetryAfter() throws {
        // The sandbox allows 1 call/s while the config asks for 3/s: Gong's 429 + Retry-After must be honoured.
        let sandbox = try SandboxProcess(arguments: ["--rate", "1"])
        defer { sandbox.stop() }
        let team = try TeamFolder(mailbox: Self.mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 3)
        defer { team.remove() }
        let result = try CLI.run(["scan", "--config", team.configPath], environment: Self.environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sandbox.storedEventIDs().count == 6)
        let stats = try sandbox.get("/api/stats") as? [String: Any]
        #expect((stats?["429"] as? Int ?? 0) > 0)
    }

    @Test func badRequestIsADeadLetterWithGongsErrors() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        let team = try TeamFolder(mailbox: Self.mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 20)
        defer { team.remove() }
        // An event that slipped past validation (an older version's ledger, say): Gong answers 400.
        let ledger = try ShareLedger(path: team.statePath)
        let body =
            #"{"contentId":"x","contentTitle":"t","contentUrl":"not a url","eventId":"bad-1","eventTimestamp":"2026-01-01T00:00:00Z","reportingSystem":"r"}"#
        try ledger.commit(
            events: [
                LedgerEvent(
                    eventId: "bad-1", contentId: "x", messageKey: "k", mailbox: "alice", position: .file(path: "x"),
                    body: Data(body.utf8))
            ], checkpoint: nil, for: "")
        let result = try CLI.run(["send", "--config", team.configPath], environment: Self.environment)
        #expect(result.status == 1)
        #expect(result.stderr.contains("dead letter: event bad-1"))
        #expect(result.stderr.contains("contentUrl"))
        let status = try CLI.run(["status", "--config", team.configPath])
        #expect(status.stdout.contains("dead 1"))
        #expect(status.stdout.contains("HTTP 400"))
        // Never retried blindly: a second send makes no call.
        let again = try CLI.run(["send", "--config", team.configPath], environment: Self.environment)
        #expect(again.stdout.contains("delivery: 0 calls"))
    }

    @Test func aSecondRunWaitsForTheLockOrExitsWithAClearMessage() throws {
        let team = try TeamFolder(mailbox: Self.mailbox, sandboxURL: "http://127.0.0.1:9")
        defer { team.remove() }
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: team.statePath).deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = try ShareLedger(path: team.statePath)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [RunLock.lockPath(forDatabase: team.statePath), "sleep", "5"]
        try holder.run()
        defer { holder.terminate() }
        Thread.sleep(forTimeInterval: 0.5)
        let result = try CLI.run(["scan", "--config", team.configPath], environment: Self.environment)
        #expect(result.status == 1)
        #expect(result.stderr.contains("another run"))
    }
}
