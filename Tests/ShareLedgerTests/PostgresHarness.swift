import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private PostgreSQL server on 127.0.0.1 for tests: `initdb` into a temporary directory, a free loopback port,
/// the Unix socket inside that directory, and settings for speed (`fsync`, `synchronous_commit` and
/// `full_page_writes` off). Nothing touches the system cluster or `/etc/postgresql`.
///
/// Most tests use ``shared()``: one server per test process, started on first use and stopped (its directory
/// removed) when the process exits. Tests that stop or restart the server take their own with ``start()``.
///
/// The superuser ``adminUser`` logs in over TCP without a password (`trust`); the application role ``appUser``
/// (`share_detector`) must give ``password`` (`scram-sha-256`) and owns the databases ``createDatabase(_:)`` makes.
/// When the test process runs as root, `initdb`, `pg_ctl` and the server run as the `postgres` system user
/// (`runuser`), since `initdb` refuses root.
///
/// Linux only (Glibc's `posix_spawn`), plain Foundation (no test framework).
/// `Tests/ShareDetectorKitTests/PostgresHarness.swift` is a symlink to this file.
final class PostgresHarness: @unchecked Sendable {
    /// Why the harness could not do what was asked.
    struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with the command's stderr or the server log's last lines.
        var description: String
    }

    /// The login role the application uses; it needs ``password``.
    static let appUser = "share_detector"

    /// The password of ``appUser`` (a fake, test-only secret).
    static let password = "fake-pg-password-for-tests"

    /// The superuser `initdb` creates; it logs in over TCP without a password.
    static let defaultAdminUser = "postgres_admin"

    /// What ``start()`` and ``shared()`` throw when the PostgreSQL binaries are absent.
    static let notInstalledMessage =
        "PostgreSQL is not installed (no initdb, pg_ctl, pg_isready, psql and postgres under "
        + "/usr/lib/postgresql/*/bin or on PATH): run scripts/setup.sh"

    /// The message tests skip with when PostgreSQL is not installed.
    static let skipMessage = "SKIPPED: " + notInstalledMessage

    /// Whether the PostgreSQL server binaries are installed; tests skip with ``skipMessage`` when not.
    static var isAvailable: Bool { binDirectory != nil }

    /// The directory of `initdb`, `pg_ctl`, `pg_isready`, `psql` and `postgres`: the highest version under
    /// `/usr/lib/postgresql/*/bin` (Debian, Ubuntu), else the first `PATH` entry that has them all.
    static var binDirectory: String? {
        let tools = ["initdb", "pg_ctl", "pg_isready", "psql", "postgres"]
        func hasTools(_ directory: String) -> Bool {
            tools.allSatisfy { FileManager.default.isExecutableFile(atPath: "\(directory)/\($0)") }
        }
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .sorted { $0.compare($1, options: .numeric) == .orderedDescending }
        for version in versions where hasTools("\(base)/\(version)/bin") { return "\(base)/\(version)/bin" }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map(String.init).first(where: hasTools)
    }

    /// The address the server listens on (TCP only on loopback).
    let host = "127.0.0.1"
    /// The TCP port, free when the server started; it stays the same across ``restart()`` and ``startAgain()``.
    let port: Int
    /// The superuser name (``defaultAdminUser``).
    let adminUser: String
    /// The temporary directory holding the data directory, the socket directory and the server log.
    let root: String
    /// Where the PostgreSQL binaries are.
    let binDirectory: String

    /// The cluster's data directory.
    var dataDirectory: String { "\(root)/data" }
    /// The server log (`pg_ctl -l`).
    var logPath: String { "\(root)/postgres.log" }
    /// The Unix socket directory.
    var socketDirectory: String { "\(root)/socket" }

    /// Whether `initdb`, `pg_ctl` and the server run as the `postgres` user (the test process is root).
    private let runsAsPostgres: Bool
    private let lock = NSLock()
    private var running = true
    private var removed = false
    private var databaseCount = 0
    private var watchdog: pid_t?

    private init(root: String, port: Int, binDirectory: String, runsAsPostgres: Bool, watchdog: pid_t?) {
        self.root = root
        self.port = port
        self.binDirectory = binDirectory
        self.runsAsPostgres = runsAsPostgres
        self.watchdog = watchdog
        adminUser = Self.defaultAdminUser
    }

    deinit { remove() }

    // MARK: Starting

    /// The server shared by the whole test process: started on the first call (thread-safe; concurrent callers
    /// wait for the same start), stopped and removed at process exit. A failed start is remembered: later calls
    /// throw the same error at once. Do not ``stop()`` or ``restart()`` it; take a private one with ``start()``.
    static func shared() throws -> PostgresHarness {
        try sharedSlot.value { try start() }
    }

    /// A private server for one test: `initdb`, then `pg_ctl start` on a free port (another port is tried when the
    /// chosen one was taken meanwhile), then the ``appUser`` role. Removed when released (or at process exit).
    ///
    /// Throws ``Failure`` with ``notInstalledMessage`` when PostgreSQL is not installed, or with the server log's last lines
    /// when the server does not start.
    static func start() throws -> PostgresHarness {
        guard let bin = binDirectory else { throw Failure(description: notInstalledMessage) }
        let runsAsPostgres = geteuid() == 0
        var owner: (uid: uid_t, gid: gid_t)?
        if runsAsPostgres {
            guard let entry = getpwnam("postgres") else {
                throw Failure(
                    description: "running as root, but there is no postgres system user to run initdb as "
                        + "(initdb refuses root): run scripts/setup.sh")
            }
            owner = (entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
        // Under /tmp whatever TMPDIR says: the socket path must stay short (107 bytes), and postgres must reach it.
        var template = Array("/tmp/sdpg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed: errno \(errno)") }
        let root = String(cString: made)
        let watchdog = startWatchdog(root: root)
        var harness: PostgresHarness?
        do {
            try FileManager.default.createDirectory(atPath: "\(root)/socket", withIntermediateDirectories: false)
            try FileManager.default.createDirectory(atPath: "\(root)/io", withIntermediateDirectories: false)
            if let owner {
                // Root can use the directory whatever its mode; the server only needs to own it.
                for path in [root, "\(root)/socket"] where chown(path, owner.uid, owner.gid) != 0 {
                    throw Failure(description: "chown \(path) to postgres failed: errno \(errno)")
                }
            }
            let commands = Commands(bin: bin, root: root, runsAsPostgres: runsAsPostgres)
            let initdb = try commands.run(
                "initdb",
                [
                    "-D", "\(root)/data", "-U", defaultAdminUser, "--auth=trust", "--encoding=UTF8", "--locale=C",
                    "--no-sync", "--no-instructions",
                ], asServerUser: true, timeout: 120)
            guard initdb.status == 0 else {
                throw Failure(description: "initdb failed (\(initdb.status)): \(initdb.stderr)\(initdb.stdout)")
            }
            try writeConfiguration(root: root)
            let port = try startOnFreePort(commands)
            let started = PostgresHarness(
                root: root, port: port, binDirectory: bin, runsAsPostgres: runsAsPostgres, watchdog: watchdog)
            harness = started
            registry.add(started)
            try started.waitUntilReady(timeout: 30)
            _ = try started.psql(
                "CREATE ROLE \(quoteIdentifier(appUser)) LOGIN PASSWORD \(quoteLiteral(password));")
            return started
        } catch {
            if let harness {
                harness.remove()
                throw error
            }
            // Before the harness exists: stop whatever started, end the watchdog, remove the folder.
            if let watchdog {
                kill(watchdog, SIGKILL)
                _ = waitForExit(watchdog, timeout: 10)
            }
            if FileManager.default.fileExists(atPath: "\(root)/data/postmaster.pid") {
                let commands = Commands(bin: bin, root: root, runsAsPostgres: runsAsPostgres)
                _ = try? commands.run(
                    "pg_ctl", ["stop", "-D", "\(root)/data", "-m", "immediate", "-w", "-t", "10"],
                    asServerUser: true, timeout: 20)
            }
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
    }

    /// Writes `pg_hba.conf` and appends the test settings to `postgresql.conf` (the port goes in `harness.conf`).
    private static func writeConfiguration(root: String) throws {
        let data = "\(root)/data"
        let hba = """
            # PostgresHarness: the application role needs its password; everyone else is trusted on loopback.
            local all all trust
            host all \(appUser) 127.0.0.1/32 scram-sha-256
            host all all 127.0.0.1/32 trust

            """
        let settings = """

            # PostgresHarness
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '\(root)/socket'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 200
            shared_buffers = 32MB
            password_encryption = 'scram-sha-256'
            timezone = 'UTC'
            log_timezone = 'UTC'
            include_if_exists = 'harness.conf'

            """
        // Written in place (not atomically): the files keep the owner initdb gave them.
        try hba.write(toFile: "\(data)/pg_hba.conf", atomically: false, encoding: .utf8)
        guard let handle = FileHandle(forWritingAtPath: "\(data)/postgresql.conf") else {
            throw Failure(description: "cannot open \(data)/postgresql.conf")
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
    }

    /// Starts the server on a free port, up to five ports when the chosen one gets taken before the server binds it.
    private static func startOnFreePort(_ commands: Commands) throws -> Int {
        var lastFailure = ""
        for _ in 0..<5 {
            let port = try freePort()
            let conf = "\(commands.root)/data/harness.conf"
            try "port = \(port)\n".write(toFile: conf, atomically: false, encoding: .utf8)
            if let owner = commands.serverOwner { chown(conf, owner.uid, owner.gid) }
            let logStart = commands.logSize()
            let result = try commands.pgCtlStart()
            if result.status == 0 { return port }
            let newLog = commands.log(from: logStart)
            lastFailure = "pg_ctl start on port \(port) failed (\(result.status)): \(result.stderr)\(result.stdout)"
            guard newLog.contains("Address already in use") || newLog.contains("could not bind") else { break }
        }
        throw Failure(description: lastFailure + "\n--- server log ---\n" + commands.logTail())
    }

    /// A shell that waits for this test process to end, then stops the server (SIGQUIT, immediate shutdown) and
    /// removes the directory: cleanup when the process dies without running its exit handlers (a crash, SIGKILL).
    /// It waits 2 s first, for a `pg_ctl start` the test process left running to write `postmaster.pid`. A normal
    /// ``remove()`` kills it first.
    private static func startWatchdog(root: String) -> pid_t? {
        let script = """
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            sleep 2
            pid=$(head -n 1 "$2/data/postmaster.pid" 2>/dev/null) && [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null
            sleep 2
            rm -rf "$2"
            """
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        guard null >= 0 else { return nil }
        defer { close(null) }
        return try? spawn(
            "/bin/sh", ["-c", script, "postgres-harness-watchdog", "\(getpid())", root],
            environment: ["PATH": "/usr/bin:/bin"], directory: "/", stdout: null, stderr: null)
    }

    // MARK: Lifecycle

    /// Waits until the server accepts connections (`pg_isready`), at most `timeout` seconds.
    func waitUntilReady(timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        repeat {
            let remaining = max(1, Int(deadline.timeIntervalSinceNow.rounded(.up)))
            let result = try commands.run(
                "pg_isready",
                ["-h", host, "-p", "\(port)", "-U", adminUser, "-d", "postgres", "-t", "\(min(remaining, 5))"],
                asServerUser: false, timeout: TimeInterval(min(remaining, 5) + 5))
            if result.status == 0 { return }
            last = result.stdout + result.stderr
            usleep(50_000)
        } while Date() < deadline
        throw Failure(
            description: "PostgreSQL on port \(port) not ready within \(Int(timeout)) s: \(last)\n"
                + "--- server log ---\n\(commands.logTail())")
    }

    /// `pg_ctl restart -m fast` (sessions are ended, data kept), then waits until it accepts connections again.
    func restart() throws {
        lock.lock()
        defer { lock.unlock() }
        try checkNotRemoved()
        let result = try commands.run(
            "pg_ctl", ["restart", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "-l", logPath],
            asServerUser: true, timeout: 90)
        guard result.status == 0 else {
            throw Failure(
                description: "pg_ctl restart failed (\(result.status)): \(result.stderr)\(result.stdout)\n"
                    + "--- server log ---\n\(commands.logTail())")
        }
        running = true
        try waitUntilReady()
    }

    /// Stops the server (`pg_ctl stop -m fast`, then `immediate`, then SIGKILL), keeping the data and the port for
    /// ``startAgain()``. The directory goes when the harness is released or the process exits.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopServer()
    }

    /// Starts the server again after ``stop()``: same data directory and port (fails if the port was taken).
    func startAgain() throws {
        lock.lock()
        defer { lock.unlock() }
        try checkNotRemoved()
        if running { return }
        let result = try commands.pgCtlStart()
        guard result.status == 0 else {
            throw Failure(
                description: "pg_ctl start failed (\(result.status)): \(result.stderr)\(result.stdout)\n"
                    + "--- server log ---\n\(commands.logTail())")
        }
        running = true
        try waitUntilReady()
    }

    /// Stops the server and removes the directory; the harness is unusable afterwards. Runs on release and at exit.
    func remove() {
        lock.lock()
        defer { lock.unlock() }
        guard !removed else { return }
        stopServer()
        removed = true
        if let watchdog {
            kill(watchdog, SIGKILL)
            _ = Self.waitForExit(watchdog, timeout: 10)
        }
        watchdog = nil
        if root.hasPrefix("/tmp/sdpg-") { try? FileManager.default.removeItem(atPath: root) }
        Self.registry.remove(self)
    }

    /// Callers hold `lock`.
    private func stopServer() {
        guard running, !removed else { return }
        running = false
        for mode in ["fast", "immediate"] {
            let result = try? commands.run(
                "pg_ctl", ["stop", "-D", dataDirectory, "-m", mode, "-w", "-t", "30"], asServerUser: true,
                timeout: 45)
            if result?.status == 0 { return }
        }
        if let pid = commands.postmasterPID() { kill(pid, SIGKILL) }
    }

    private func checkNotRemoved() throws {
        if removed { throw Failure(description: "the PostgresHarness in \(root) was removed") }
    }

    /// The server log's last `lines` lines.
    func log(lastLines lines: Int = 40) -> String { commands.logTail(lines: lines) }

    // MARK: Databases and queries

    /// Creates an empty database owned by ``appUser`` and returns its name: `name`, or a fresh unique one.
    @discardableResult
    func createDatabase(_ name: String? = nil) throws -> String {
        let database: String
        if let name {
            database = name
        } else {
            lock.lock()
            databaseCount += 1
            let count = databaseCount
            lock.unlock()
            database = "sdtest_\(count)_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        }
        _ = try psql(
            "CREATE DATABASE \(Self.quoteIdentifier(database)) OWNER \(Self.quoteIdentifier(Self.appUser));")
        return database
    }

    /// Drops a database, ending its sessions first (`WITH (FORCE)`); no error when it does not exist.
    func dropDatabase(_ name: String) throws {
        _ = try psql("DROP DATABASE IF EXISTS \(Self.quoteIdentifier(name)) WITH (FORCE);")
    }

    /// `postgresql://user@127.0.0.1:port/database`; with `withPassword`, `user:password@` (``password``, the
    /// password of ``appUser``). Each part is percent-encoded.
    func url(database: String, user: String = PostgresHarness.appUser, withPassword: Bool = false) -> String {
        func encode(_ text: String) -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
        }
        let credentials = withPassword ? "\(encode(user)):\(encode(Self.password))" : encode(user)
        return "postgresql://\(credentials)@\(host):\(port)/\(encode(database))"
    }

    /// Runs SQL with `psql -X -q -A -t -v ON_ERROR_STOP=1` over TCP and returns its output, trimmed (one line per
    /// row, columns separated by `|`). Statements run one by one, not in one transaction, so `CREATE DATABASE`
    /// works. As ``adminUser`` by default; with `user` (and `password`, never prompted for), as that role.
    ///
    /// Throws ``Failure`` with psql's stderr when psql fails (exit status not 0) or takes over `timeout` seconds.
    @discardableResult
    func psql(
        _ sql: String, database: String = "postgres", user: String? = nil, password: String? = nil,
        timeout: TimeInterval = 60
    ) throws -> String {
        var environment: [String: String] = [:]
        if let password { environment["PGPASSWORD"] = password }
        let result = try commands.run(
            "psql",
            [
                "-X", "-q", "-A", "-t", "-w", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", "\(port)", "-U",
                user ?? adminUser, "-d", database, "-f", "-",
            ], asServerUser: false, extraEnvironment: environment, input: sql, timeout: timeout)
        guard result.status == 0 else {
            throw Failure(
                description: "psql failed (\(result.status)) as \(user ?? adminUser) on \(database): "
                    + result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `"name"` with inner double quotes doubled: an SQL identifier.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `'text'` with inner single quotes doubled: an SQL string literal.
    static func quoteLiteral(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    // MARK: Processes

    private var commands: Commands { Commands(bin: binDirectory, root: root, runsAsPostgres: runsAsPostgres) }

    /// Runs the PostgreSQL programs of one harness directory, with a timeout each.
    private struct Commands {
        var bin: String
        var root: String
        var runsAsPostgres: Bool

        /// The `postgres` user's ids when the server runs as that user.
        var serverOwner: (uid: uid_t, gid: gid_t)? {
            guard runsAsPostgres, let entry = getpwnam("postgres") else { return nil }
            return (entry.pointee.pw_uid, entry.pointee.pw_gid)
        }

        /// `pg_ctl start -w` with the log in the harness directory.
        func pgCtlStart() throws -> Output {
            try run(
                "pg_ctl", ["start", "-D", "\(root)/data", "-l", "\(root)/postgres.log", "-w", "-t", "60"],
                asServerUser: true, timeout: 90)
        }

        /// Runs `tool` from the bin directory; `asServerUser` through `runuser -u postgres --` when root. The
        /// environment drops every `PG…` variable (no stray PGPASSWORD or PGHOST), then adds `extraEnvironment`.
        func run(
            _ tool: String, _ arguments: [String], asServerUser: Bool, extraEnvironment: [String: String] = [:],
            input: String? = nil, timeout: TimeInterval
        ) throws -> Output {
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
            environment["LC_ALL"] = "C"
            environment["PGCONNECT_TIMEOUT"] = "10"
            environment["PGCLIENTENCODING"] = "UTF8"
            environment["PGSSLMODE"] = "disable"
            environment.merge(extraEnvironment) { $1 }
            let executable = "\(bin)/\(tool)"
            if asServerUser, runsAsPostgres {
                return try PostgresHarness.run(
                    PostgresHarness.runuserPath, ["-u", "postgres", "--", executable] + arguments,
                    environment: environment, directory: root, scratch: "\(root)/io", input: input, timeout: timeout)
            }
            return try PostgresHarness.run(
                executable, arguments, environment: environment, directory: root, scratch: "\(root)/io",
                input: input, timeout: timeout)
        }

        func logSize() -> UInt64 {
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(root)/postgres.log")
            return (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
        }

        /// The log written since `offset` bytes.
        func log(from offset: UInt64) -> String {
            guard let handle = FileHandle(forReadingAtPath: "\(root)/postgres.log") else { return "" }
            defer { try? handle.close() }
            try? handle.seek(toOffset: offset)
            return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        }

        /// The last `lines` lines of the server log.
        func logTail(lines: Int = 40) -> String {
            let text = (try? String(contentsOfFile: "\(root)/postgres.log", encoding: .utf8)) ?? "(no log)"
            return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        }

        /// The postmaster's pid from `postmaster.pid`, while the file exists.
        func postmasterPID() -> pid_t? {
            guard let text = try? String(contentsOfFile: "\(root)/data/postmaster.pid", encoding: .utf8),
                let first = text.split(separator: "\n").first
            else { return nil }
            return pid_t(first.trimmingCharacters(in: .whitespaces))
        }
    }

    /// A finished program: exit status, stdout and stderr.
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `runuser`, which runs the server programs as `postgres` when the test process is root.
    static var runuserPath: String {
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? "/usr/sbin/runuser"
    }

    /// Runs a program with `input` (or /dev/null) on stdin and stdout and stderr in files under `scratch`, killing it
    /// (SIGKILL) after `timeout` seconds. Spawned with ``spawn(_:_:environment:directory:stdin:stdout:stderr:)``, not
    /// Foundation's `Process`, which counts a child as running until every inheritor of its status socket has
    /// exited: `pg_ctl start` would look alive as long as the server it leaves behind.
    static func run(
        _ path: String, _ arguments: [String], environment: [String: String], directory: String, scratch: String,
        input: String? = nil, timeout: TimeInterval
    ) throws -> Output {
        let name = UUID().uuidString
        let inPath = "\(scratch)/\(name).in"
        let outPath = "\(scratch)/\(name).out"
        let errPath = "\(scratch)/\(name).err"
        defer {
            unlink(inPath)
            unlink(outPath)
            unlink(errPath)
        }
        var source: Int32?
        if let input {
            guard FileManager.default.createFile(atPath: inPath, contents: Data(input.utf8)) else {
                throw Failure(description: "cannot write \(inPath)")
            }
            source = open(inPath, O_RDONLY | O_CLOEXEC)
        }
        let out = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let err = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer {
            for descriptor in [source ?? -1, out, err] where descriptor >= 0 { close(descriptor) }
        }
        guard out >= 0, err >= 0, (source ?? 0) >= 0 else {
            throw Failure(description: "cannot create the input and output files in \(scratch)")
        }
        let pid = try spawn(
            path, arguments, environment: environment, directory: directory, stdin: source, stdout: out,
            stderr: err)
        let status = waitForExit(pid, timeout: timeout)
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        guard let status else {
            kill(pid, SIGKILL)
            _ = waitForExit(pid, timeout: 10)
            throw Failure(
                description: "\(([path] + arguments).joined(separator: " ")) timed out after \(Int(timeout)) s: "
                    + stderr)
        }
        return Output(status: status, stdout: stdout, stderr: stderr)
    }

    /// `posix_spawn` with the given stdin (else /dev/null), stdout and stderr, every other descriptor closed, an
    /// empty signal mask and default signal handlers (the test process blocks and ignores some signals, and a
    /// child would inherit that), in `directory`.
    static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String], directory: String,
        stdin: Int32? = nil, stdout: Int32, stderr: Int32
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let closeFrom = SpawnExtensions.addCloseFrom {
            _ = closeFrom(&actions, 3)
        } else {
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
        }
        if let changeDirectory = SpawnExtensions.addChangeDirectory { _ = changeDirectory(&actions, directory) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw Failure(description: "cannot run \(path): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Waits for a child spawned by ``spawn(_:_:environment:directory:stdin:stdout:stderr:)``: its exit status (128 +
    /// the signal when killed), or nil after `timeout` seconds (the child is left running).
    static func waitForExit(_ pid: pid_t, timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var delay: useconds_t = 500
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let signal = status & 0x7F
                return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            }
            if result < 0, errno != EINTR { return -1 }
            if Date() >= deadline { return nil }
            usleep(delay)
            delay = min(delay * 2, 20_000)
        }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34) and `…_addchdir_np` (2.29), which Swift's Glibc
    /// module does not declare (they need `_GNU_SOURCE`), looked up at run time.
    private enum SpawnExtensions {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        typealias AddChangeDirectory =
            @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

        static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
        static let addChangeDirectory: AddChangeDirectory? = symbol("posix_spawn_file_actions_addchdir_np")

        private static func symbol<Function>(_ name: String) -> Function? {
            guard let address = dlsym(nil, name) else { return nil }
            return unsafeBitCast(address, to: Function.self)
        }
    }

    /// A port the kernel reports free on 127.0.0.1 (bound to port 0, then released).
    static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw Failure(description: "bind() failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        guard named == 0 else { throw Failure(description: "getsockname() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: Process-wide state

    private static let sharedSlot = SharedSlot()
    private static let registry = Registry()

    /// The shared server, or the error its start failed with.
    private final class SharedSlot: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<PostgresHarness, any Error>?

        func value(starting: () throws -> PostgresHarness) throws -> PostgresHarness {
            lock.lock()
            defer { lock.unlock() }
            if let result { return try result.get() }
            let started = Result { try starting() }
            result = started
            return try started.get()
        }
    }

    /// Every live harness (weakly), removed at process exit by an `atexit` handler installed with the first one.
    private final class Registry: @unchecked Sendable {
        private struct Entry {
            weak var harness: PostgresHarness?
        }

        private let lock = NSLock()
        private var entries: [ObjectIdentifier: Entry] = [:]
        private var installed = false

        func add(_ harness: PostgresHarness) {
            lock.lock()
            defer { lock.unlock() }
            entries[ObjectIdentifier(harness)] = Entry(harness: harness)
            if !installed {
                installed = true
                atexit { PostgresHarness.registry.removeAll() }
            }
        }

        func remove(_ harness: PostgresHarness) {
            lock.lock()
            defer { lock.unlock() }
            entries[ObjectIdentifier(harness)] = nil
        }

        func removeAll() {
            lock.lock()
            let harnesses = entries.values.compactMap(\.harness)
            lock.unlock()
            for harness in harnesses { harness.remove() }
        }
    }
}
