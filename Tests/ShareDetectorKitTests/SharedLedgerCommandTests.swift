import Foundation
import ShareLedger
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The commands on a shared PostgreSQL ledger, end to end: `ledger migrate`, `ledger import`, `status --all-teams`,
/// a lease held elsewhere, `scan --dry-run` reading only, and `scan --every` stopping on SIGTERM.
@Suite(
    "Shared ledger commands", .serialized,
    .enabled(if: PostgresHarness.isAvailable, "\(PostgresHarness.skipMessage)"))
struct SharedLedgerCommandTests {
    /// A sandbox, a 10-message mailbox, a SQLite team config and the same team on a fresh PostgreSQL database.
    final class Setup {
        let team: SandboxTeam
        let database: String
        let url: String
        let postgresConfig: String
        let harness: PostgresHarness

        init() throws {
            harness = try PostgresHarness.shared()
            team = try SandboxTeam(sandboxArguments: ["--rate", "0"], messages: 10)
            database = try harness.createDatabase()
            url = harness.url(database: database)
            let sqliteConfig = try String(contentsOfFile: team.team.configPath, encoding: .utf8)
            postgresConfig = team.folder.appendingPathComponent("team-pg.yml").path
            let shared = sqliteConfig.replacingOccurrences(
                of: "state: state/ledger.sqlite",
                with: "state: \(url)\nstatePassword: env:\(SharedLedgerScanTests.pgPasswordVariable)")
            try Data(shared.utf8).write(to: URL(fileURLWithPath: postgresConfig))
        }

        func run(_ arguments: [String]) throws -> CLI.Result {
            var environment = team.environment
            environment[SharedLedgerScanTests.pgPasswordVariable] = PostgresHarness.password
            return try CLI.run(arguments, environment: environment)
        }

        func statusJSON(_ config: String, allTeams: Bool = false) throws -> [String: Any] {
            let result = try run(["status", "--json", "--config", config] + (allTeams ? ["--all-teams"] : []))
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        }
    }

    @Test("ledger import moves a delivered SQLite ledger into PostgreSQL; scans and sends there send nothing again")
    func importThenScan() throws {
        let setup = try Setup()
        let expected = try setup.team.predictedEventIDs()
        let first = try setup.run(["scan", "--quiet", "--config", setup.team.team.configPath])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try setup.team.sandbox.storedEventIDs().sorted() == expected)

        let migrate = try setup.run(["ledger", "migrate", "--config", setup.postgresConfig])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.stdout.contains("schema version \(PostgresLedger.schemaVersion)"))
        #expect(!migrate.stdout.contains(PostgresHarness.password))

        let imported = try setup.run([
            "ledger", "import", "--config", setup.postgresConfig, "--from", setup.team.team.statePath,
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("\(expected.count) events (\(expected.count) delivered, never sent again)"))
        let again = try setup.run([
            "ledger", "import", "--config", setup.postgresConfig, "--from", setup.team.team.statePath,
        ])
        #expect(again.stdout.contains("0 events (0 delivered, never sent again), \(expected.count) already there"))

        let scan = try setup.run(["scan", "--config", setup.postgresConfig])
        #expect(scan.status == 0, "\(scan.stderr)")
        let send = try setup.run(["send", "--config", setup.postgresConfig])
        #expect(send.status == 0, "\(send.stderr)")
        #expect(try setup.team.sandbox.storedEventIDs().sorted() == expected, "nothing was sent twice")

        let status = try setup.statusJSON(setup.postgresConfig, allTeams: true)
        #expect((status["events"] as? [String: Int])?["delivered"] == expected.count)
        #expect(status["ledger"] as? String == setup.url)
        let teams = status["teams"] as? [[String: Any]] ?? []
        #expect(teams.map { $0["team"] as? String } == ["test-team"])
        #expect((status["leases"] as? [Any])?.isEmpty == true, "a finished scan holds no lease")
        #expect((status["gong"] as? [String: Any])?["callsToday"] != nil)

        // A SQLite ledger has no other teams to show.
        let refused = try setup.run(["status", "--all-teams", "--config", setup.team.team.configPath])
        #expect(refused.status == 2 && refused.stderr.contains("--all-teams needs a shared PostgreSQL ledger"))
        // Importing into a config whose state is a file is refused with the reason.
        let wrong = try setup.run([
            "ledger", "import", "--config", setup.team.team.configPath, "--from", setup.team.team.statePath,
        ])
        #expect(wrong.status == 2 && wrong.stderr.contains("state is not a PostgreSQL URL"))
    }

    @Test("a mailbox leased by another scanner is left to it and shown in status; once released, it is scanned")
    func leasedElsewhere() throws {
        let setup = try Setup()
        let other = try PostgresLedger(url: setup.url, password: PostgresHarness.password, team: "test-team")
        guard
            case .acquired(let lease) = try other.acquireLease(
                mailbox: "alice", holder: "other-host:4242:cafe", duration: 120)
        else {
            Issue.record("the lease was not granted")
            return
        }
        let status = try setup.run(["status", "--config", setup.postgresConfig])
        #expect(status.stdout.contains("alice: other-host:4242:cafe since"), "\(status.stdout)")
        let scan = try setup.run(["scan", "--config", setup.postgresConfig])
        #expect(scan.status == 0, "\(scan.stderr)")
        #expect(scan.stdout.contains("alice: being scanned by other-host:4242:cafe"), "\(scan.stdout)")
        #expect(try setup.team.sandbox.storedEventIDs().isEmpty, "the other scanner's mailbox was not read")

        try other.releaseLease(lease)
        let after = try setup.run(["scan", "--config", setup.postgresConfig])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try setup.team.sandbox.storedEventIDs().sorted() == setup.team.predictedEventIDs())
    }

    @Test("a role that may only read and write the tables scans a migrated database; an unreachable server is exit 3")
    func restrictedRoleAndUnreachableServer() throws {
        let setup = try Setup()
        let migrate = try setup.run(["ledger", "migrate", "--config", setup.postgresConfig])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        try setup.harness.psql(
            """
            DROP ROLE IF EXISTS sd_writer_only;
            CREATE ROLE sd_writer_only LOGIN;
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sd_writer_only;
            GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO sd_writer_only;
            """, database: setup.database)
        let restricted = setup.team.folder.appendingPathComponent("restricted.yml").path
        let text = try String(contentsOfFile: setup.postgresConfig, encoding: .utf8)
            .replacingOccurrences(of: "share_detector@", with: "sd_writer_only@")
            .replacingOccurrences(of: "statePassword: env:\(SharedLedgerScanTests.pgPasswordVariable)", with: "")
        try Data(text.utf8).write(to: URL(fileURLWithPath: restricted))
        let scan = try setup.run(["scan", "--config", restricted])
        #expect(scan.status == 0, "\(scan.stderr)")
        #expect(try setup.team.sandbox.storedEventIDs().sorted() == setup.team.predictedEventIDs())

        let nowhere = setup.team.folder.appendingPathComponent("nowhere.yml").path
        try Data(
            text.replacingOccurrences(of: "127.0.0.1:\(setup.harness.port)", with: "127.0.0.1:1").utf8
        ).write(to: URL(fileURLWithPath: nowhere))
        let down = try setup.run(["scan", "--config", nowhere])
        #expect(down.status == 3, "\(down.stderr)")
        #expect(down.stderr.contains("cannot connect to PostgreSQL") && down.stderr.contains("127.0.0.1:1"))
    }

    @Test("scan --dry-run on an empty database reads only: every event new, no schema created")
    func dryRunReadsOnly() throws {
        let setup = try Setup()
        let dry = try setup.run(["scan", "--dry-run", "--json", "--config", setup.postgresConfig])
        #expect(dry.status == 0, "\(dry.stderr)")
        let events = dry.stdout.split(separator: "\n").filter { $0.contains("\"eventId\"") }
        #expect(events.count == (try setup.team.predictedEventIDs()).count)
        #expect(try setup.harness.psql("SELECT to_regclass('sd_schema') IS NULL", database: setup.database) == "t")
        let status = try setup.run(["status", "--config", setup.postgresConfig])
        #expect(status.status == 0 && status.stdout.contains("no ledger at postgresql://"))
    }

    @Test("scan --every repeats the scan until SIGTERM, then exits 0; a bad interval is a usage error")
    func everyStopsCleanly() throws {
        let team = try SandboxTeam(sandboxArguments: ["--rate", "0"], messages: 3)
        let bad = try team.run(["scan", "--config", team.team.configPath, "--every", "0s"])
        #expect(bad.status == 2 && bad.stderr.contains("--every takes a duration"))
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["scan", "--config", team.team.configPath, "--every", "1s", "--log-level", "debug"]
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in team.environment { environment[key] = value }
        process.environment = environment
        let log = team.folder.appendingPathComponent("every.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        var passes = 0
        let deadline = Date().addingTimeInterval(30)
        while passes < 3 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            let text = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
            passes = text.components(separatedBy: "next scan at").count - 1
        }
        #expect(passes >= 3, "three passes a second apart")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "a signal between passes is a clean stop")
        #expect(try team.sandbox.storedEventIDs().sorted() == team.predictedEventIDs(), "delivered exactly once")
    }
}
