import Foundation
import ShareLedger
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Many scanners, one ledger: real `share-detector` processes against a private PostgreSQL and the Gong sandbox.
@Suite(
    "Shared PostgreSQL ledger: scanners on many machines", .serialized,
    .enabled(if: PostgresHarness.isAvailable, "\(PostgresHarness.skipMessage)"))
struct SharedLedgerScanTests {
    static let pgPasswordVariable = "SD_TEST_PG_PASSWORD"

    /// `count` mailboxes `rep000…`, one message each in its own mbox; every `shareEvery`-th message shares a Google
    /// document with a prospect (an event), the others go to a colleague (no event).
    static func writeMailboxes(prefix: String, count: Int, shareEvery: Int = 1, in folder: URL) throws -> [(
        String, URL
    )] {
        try (0..<count).map { index in
            let name = "\(prefix)\(String(format: "%03d", index))@northwind.example"
            let url = folder.appendingPathComponent("\(prefix)\(index).mbox")
            let shares = index % shareEvery == 0
            let to = shares ? "Buyer <buyer\(index)@contoso.example>" : "Bob <bob@northwind.example>"
            let id = String(format: "1SharedLedgerDoc%@%04dAbCdEfGhIjKlMnOp", prefix, index)
            let text = """
                From \(name) Mon Nov  2 09:14:00 2026
                Message-ID: <\(prefix)-\(index)@northwind.example>
                Date: Mon, 02 Nov 2026 09:\(String(format: "%02d", index % 60)):00 +0100
                From: Rep \(index) <\(name)>
                To: \(to)
                Subject: Proposal \(index)
                Content-Type: text/plain; charset=utf-8

                Here is the proposal: https://docs.google.com/document/d/\(id)/edit


                """
            try Data(text.utf8).write(to: url)
            return (name, url)
        }
    }

    /// A team config on the shared ledger `url` and the sandbox.
    static func writeConfig(
        team: String, url: String, sandbox: String, mailboxes: [(String, URL)], leaseSeconds: Int, in folder: URL
    ) throws -> String {
        let path = folder.appendingPathComponent("\(team).yml").path
        let list = mailboxes.map { "  - name: \($0.0)\n    mbox: \($0.1.path)" }.joined(separator: "\n")
        let config = """
            team: \(team)
            internalDomains: [northwind.example]
            state: \(url)
            statePassword: env:\(pgPasswordVariable)
            leaseSeconds: \(leaseSeconds)
            concurrency: 4
            gong:
              baseURL: \(sandbox)
              accessKey: env:TEST_GONG_KEY
              accessKeySecret: env:TEST_GONG_SECRET
              reportingSystem: share-detector-test
              callsPerSecond: 3
              requestTimeoutSeconds: 5
            mailboxes:
            \(list)
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static var environment: [String: String] {
        var environment = ScanCommandTests.environment
        environment[pgPasswordVariable] = PostgresHarness.password
        return environment
    }

    /// A `scan --every` process writing its output to a log file.
    final class Scanner {
        let process = Process()
        let log: URL

        init(config: String, folder: URL, index: Int, generation: Int) throws {
            log = folder.appendingPathComponent("scanner-\(index)-\(generation).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = CLI.binary
            process.arguments = ["scan", "--config", config, "--every", "1s", "--log-level", "info"]
            process.currentDirectoryURL = folder
            var env = ProcessInfo.processInfo.environment
            for (key, value) in SharedLedgerScanTests.environment { env[key] = value }
            env["SHARE_DETECTOR_STATE_DIR"] = folder.appendingPathComponent("state-home-\(index)").path
            process.environment = env
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        func killHard() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// SIGTERM, then the exit status (SIGKILL after 30 s).
        func terminate() -> Int32 {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { killHard() }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    @Test("4 scanners on one PostgreSQL, 2 teams on one Gong account, kill -9 and a database restart: exactly once")
    func faultTest() throws {
        let harness = try PostgresHarness.start()
        defer { harness.remove() }
        let database = try harness.createDatabase()
        let url = harness.url(database: database)
        let sandbox = try SandboxProcess(arguments: ["--rate", "3", "--fail-rate", "0.05", "--seed", "11"])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // 100 mailboxes in two teams; 60 of them hold a share: 60 events, 20 s of Gong's 3 calls/s at least.
        let emeaBoxes = try Self.writeMailboxes(prefix: "emea", count: 50, shareEvery: 1, in: folder)
        let amerBoxes = try Self.writeMailboxes(prefix: "amer", count: 50, shareEvery: 5, in: folder)
        let configs = [
            try Self.writeConfig(
                team: "emea", url: url, sandbox: sandbox.baseURL, mailboxes: emeaBoxes, leaseSeconds: 3, in: folder),
            try Self.writeConfig(
                team: "amer", url: url, sandbox: sandbox.baseURL, mailboxes: amerBoxes, leaseSeconds: 3, in: folder),
        ]
        var expected: [String] = []
        for (config, boxes) in zip(configs, [emeaBoxes, amerBoxes]) {
            let predicted = try CLI.run(["test", "--json", "--config", config] + boxes.map(\.1.path))
            expected += predicted.stdout.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["eventId"] as? String
            }
        }
        expected.sort()
        #expect(expected.count == 60)

        // Scanners 0 and 1 run emea's config, 2 and 3 amer's: four processes, two teams, one Gong account.
        var generation = 0
        var scanners = try (0..<4).map {
            try Scanner(config: configs[$0 / 2], folder: folder, index: $0, generation: 0)
        }
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var restartedDatabase = false
        let started = Date()
        var delivered = 0
        while Date().timeIntervalSince(started) < 150 {
            Thread.sleep(forTimeInterval: Double.random(in: 1.0...2.5, using: &generator))
            delivered = Set(try sandbox.storedEventIDs()).count
            if delivered == expected.count { break }
            if !restartedDatabase && delivered >= 20 {
                try harness.restart()
                restartedDatabase = true
                continue
            }
            if kills < 6 {
                let victim = Int.random(in: 0..<4, using: &generator)
                scanners[victim].killHard()
                kills += 1
                generation += 1
                scanners[victim] = try Scanner(
                    config: configs[victim / 2], folder: folder, index: victim, generation: generation)
            }
        }
        let statuses = scanners.map { $0.terminate() }
        let logs = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix("scanner-") }
            .map { String(decoding: (try? Data(contentsOf: $0)) ?? Data(), as: UTF8.self) }
            .joined(separator: "\n")
        #expect(delivered == expected.count, "every share delivered within the time (\(delivered) of 60)")
        #expect(restartedDatabase, "the database was restarted mid-run")
        #expect(kills >= 3, "scanners were killed mid-run (\(kills))")
        #expect(statuses.allSatisfy { $0 == 0 || $0 == 143 }, "SIGTERM stops each scanner cleanly (\(statuses))")

        let stored = try sandbox.storedEventIDs().sorted()
        #expect(stored == expected, "the sandbox holds every share exactly once")
        let stats = try sandbox.get("/api/stats") as? [String: Any] ?? [:]
        #expect(stats["429"] as? Int == 0, "all scanners together never exceeded 3 calls/s: \(stats)")
        // Live senders never send one event twice: a 409 only follows a killed scanner's call in flight (or a
        // commit whose answer the database restart cut off).
        #expect((stats["409"] as? Int ?? 0) <= kills + 1, "repeated sends \(stats["409"] ?? 0) for \(kills) kills")
        let calls = ["200", "400", "401", "409", "429", "5xx", "dropped"].reduce(0) { $0 + (stats[$1] as? Int ?? 0) }
        let counted =
            Int(
                try harness.psql("SELECT COALESCE(SUM(calls), 0) FROM sd_daily_quota", database: database)) ?? -1
        // A scanner killed between reserving its call and sending it leaves one reservation Gong never saw.
        #expect(counted >= calls && counted <= calls + kills, "daily quota \(counted) for \(calls) calls at Gong")
        #expect(
            try harness.psql("SELECT COUNT(DISTINCT account_key) FROM sd_daily_quota", database: database) == "1",
            "both teams count against the one Gong account")

        // No mailbox was held by two scanners at once: each new holder came after the last one released it, or
        // after its lease lapsed (a killed scanner's; the history ends then).
        let history = try harness.psql(
            "SELECT team || ' ' || mailbox || ' ' || holder || ' ' || acquired_at || ' ' || COALESCE(released_at, -1) "
                + "FROM sd_lease_history ORDER BY team, mailbox, acquired_at, id",
            database: database
        ).split(separator: "\n").map { $0.split(separator: " ") }
        #expect(history.count >= 100, "every mailbox was leased (\(history.count) leases)")
        var overlaps: [String] = []
        for (previous, next) in zip(history, history.dropFirst()) where previous[0...1] == next[0...1] {
            let released = Double(previous[4])!
            if released < 0 || Double(next[3])! < released {
                overlaps.append(
                    "\(next[0]) \(next[1]): \(next[2]) took it at \(next[3]) from \(previous[2]) "
                        + "(held from \(previous[3]), released \(previous[4]))")
            }
        }
        #expect(overlaps.isEmpty, "mailboxes held by two scanners at once: \(overlaps)")
        // The ledgers agree: every event delivered, nothing waiting.
        for config in configs {
            let status = try CLI.run(["status", "--json", "--config", config], environment: Self.environment)
            let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any] ?? [:]
            let counts = object["events"] as? [String: Int] ?? [:]
            #expect(counts["pending"] == 0 && counts["sending"] == 0 && counts["retry"] == 0 && counts["dead"] == 0)
        }
        #expect(!logs.contains(PostgresHarness.password), "the database password never reaches the output")
        #expect(!logs.contains(ScanCommandTests.secret), "the Gong secret never reaches the output")
        print("shared-ledger fault test: \(kills) kills, database restarted, \(calls) calls, quota \(counted)")
    }
}
