import Foundation
import Testing

/// The PostgreSQL test harness itself: it starts, answers psql, makes databases, survives restarts, and enforces
/// the application role's password.
@Suite(
    "PostgreSQL test harness",
    .enabled(if: PostgresHarness.isAvailable, Comment(rawValue: PostgresHarness.skipMessage)),
    .timeLimit(.minutes(3))
)
struct PostgresHarnessTests {
    @Test("the shared server answers psql and is one instance per process, even when asked concurrently")
    func sharedServer() async throws {
        let harness = try PostgresHarness.shared()
        #expect(try harness.psql("SELECT 1 + 1;") == "2")
        #expect(try harness.psql("SELECT current_user;") == harness.adminUser)
        #expect(try harness.psql("SHOW fsync;") == "off")
        #expect(try harness.psql("SHOW max_connections;") == "200")
        #expect(try harness.psql("SHOW listen_addresses;") == "127.0.0.1")
        #expect(try harness.psql("SHOW port;") == "\(harness.port)")
        let others = try await withThrowingTaskGroup(of: ObjectIdentifier.self) { group in
            for _ in 0..<8 { group.addTask { ObjectIdentifier(try PostgresHarness.shared()) } }
            return try await group.reduce(into: Set<ObjectIdentifier>()) { $0.insert($1) }
        }
        #expect(others == [ObjectIdentifier(harness)])
    }

    @Test("psql returns rows one a line with | between columns, and throws with the server's error")
    func psqlOutputAndErrors() throws {
        let harness = try PostgresHarness.shared()
        #expect(try harness.psql("SELECT 1, 'a'; SELECT 2, 'b';") == "1|a\n2|b")
        #expect(try harness.psql("SELECT 'ünïcode ✓';") == "ünïcode ✓")
        let error = #expect(throws: PostgresHarness.Failure.self) {
            try harness.psql("SELECT * FROM no_such_table;")
        }
        #expect(error?.description.contains("no_such_table") == true)
    }

    @Test("createDatabase makes a fresh database owned by share_detector")
    func createDatabase() throws {
        let harness = try PostgresHarness.shared()
        let first = try harness.createDatabase()
        let second = try harness.createDatabase()
        #expect(first != second)
        let named = try harness.createDatabase("harness_named_\(UInt32.random(in: 0...UInt32.max))")
        for database in [first, second, named] {
            let owner = try harness.psql(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = "
                    + "\(PostgresHarness.quoteLiteral(database));")
            #expect(owner == PostgresHarness.appUser)
        }
        #expect(throws: PostgresHarness.Failure.self) { try harness.createDatabase(named) }
        try harness.dropDatabase(named)
        let left = try harness.psql(
            "SELECT count(*) FROM pg_database WHERE datname = \(PostgresHarness.quoteLiteral(named));")
        #expect(left == "0")
    }

    @Test("a second database is isolated from the first")
    func databasesAreIsolated() throws {
        let harness = try PostgresHarness.shared()
        let first = try harness.createDatabase()
        let second = try harness.createDatabase()
        try harness.psql("CREATE TABLE shares (id int); INSERT INTO shares VALUES (1), (2);", database: first)
        #expect(try harness.psql("SELECT count(*) FROM shares;", database: first) == "2")
        #expect(try harness.psql("SELECT to_regclass('shares') IS NULL;", database: second) == "t")
        try harness.psql("CREATE TABLE shares (id int);", database: second)
        #expect(try harness.psql("SELECT count(*) FROM shares;", database: second) == "0")
    }

    @Test("share_detector needs its password: a wrong one and none are refused, the right one is accepted")
    func passwordAuthentication() throws {
        let harness = try PostgresHarness.shared()
        let database = try harness.createDatabase()
        let user = PostgresHarness.appUser
        let wrong = #expect(throws: PostgresHarness.Failure.self) {
            try harness.psql("SELECT 1;", database: database, user: user, password: "not-the-password")
        }
        #expect(wrong?.description.contains("password authentication failed") == true)
        let missing = #expect(throws: PostgresHarness.Failure.self) {
            try harness.psql("SELECT 1;", database: database, user: user)
        }
        #expect(missing?.description.contains("password") == true)
        let me = try harness.psql(
            "SELECT current_user; CREATE TABLE mine (id int); SELECT count(*) FROM mine;", database: database,
            user: user, password: PostgresHarness.password)
        #expect(me == "\(user)\n0")
        let method = try harness.psql(
            "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = "
                + "\(PostgresHarness.quoteLiteral(user));")
        #expect(method == "t")
    }

    @Test("url names share_detector, the loopback port and the database; the password only when asked")
    func urls() throws {
        let harness = try PostgresHarness.shared()
        #expect(harness.url(database: "ledger") == "postgresql://share_detector@127.0.0.1:\(harness.port)/ledger")
        #expect(
            harness.url(database: "ledger", withPassword: true)
                == "postgresql://share_detector:fake-pg-password-for-tests@127.0.0.1:\(harness.port)/ledger")
        #expect(
            harness.url(database: "a b", user: "other")
                == "postgresql://other@127.0.0.1:\(harness.port)/a%20b")
    }

    @Test("a private server keeps its data and port across restart, and across stop and startAgain")
    func restartKeepsData() throws {
        let harness = try PostgresHarness.start()
        defer { harness.remove() }
        #expect(try PostgresHarness.shared() !== harness)
        let database = try harness.createDatabase()
        let app = (user: PostgresHarness.appUser, password: PostgresHarness.password)
        try harness.psql(
            "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('before restart');", database: database,
            user: app.user, password: app.password)
        let started = try harness.psql("SELECT pg_postmaster_start_time();")

        try harness.restart()
        #expect(try harness.psql("SELECT note FROM kept;", database: database) == "before restart")
        #expect(try harness.psql("SELECT pg_postmaster_start_time();") != started)

        harness.stop()
        #expect(throws: PostgresHarness.Failure.self) { try harness.psql("SELECT 1;", timeout: 15) }
        try harness.startAgain()
        #expect(try harness.psql("SHOW port;") == "\(harness.port)")
        #expect(try harness.psql("SELECT note FROM kept;", database: database) == "before restart")
        let appSees = try harness.psql(
            "SELECT note FROM kept;", database: database, user: app.user, password: app.password)
        #expect(appSees == "before restart")
    }

    @Test("remove stops the server and deletes its directory")
    func removeCleansUp() throws {
        let harness = try PostgresHarness.start()
        let root = harness.root
        #expect(FileManager.default.fileExists(atPath: "\(harness.dataDirectory)/PG_VERSION"))
        harness.remove()
        #expect(!FileManager.default.fileExists(atPath: root))
        #expect(throws: PostgresHarness.Failure.self) { try harness.restart() }
        #expect(throws: PostgresHarness.Failure.self) { try harness.psql("SELECT 1;", timeout: 15) }
    }
}
