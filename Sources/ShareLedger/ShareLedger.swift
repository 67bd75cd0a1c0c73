import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The team's delivery state in one SQLite file (WAL): events and their dedup, the outbox with delivery states,
/// the attempt log, the requeue log and scan checkpoints (pacing is per Gong account: `GongAccountState`).
///
/// Several `ShareLedger` instances, in one process or several, may open the same file: every write that must be
/// exclusive (claiming, committing, requeueing) runs in one `BEGIN IMMEDIATE` transaction, and SQLite serialises them.
/// The file (and its `-wal`/`-shm` companions, which SQLite creates with the same mode) is `0600`; its folder is
/// created `0700` when missing. Times are stored as Unix seconds (REAL). Nothing secret is ever stored.
public final class ShareLedger: Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool

    /// How long SQLite waits for another process's write transaction before failing with `busy`.
    public static let busyTimeout: TimeInterval = 30

    /// Opens (creating when missing) the ledger at `path` and brings its schema up to date.
    ///
    /// - Throws: `LedgerError` with `cannotCreate`, `unreadable`, `corruptDatabase` or `migrationFailed`, naming
    ///   the path.
    public init(path: String) throws {
        self.path = path
        try Self.prepareFile(at: path)
        pool = try Self.openPool(path, readonly: false)
        do {
            try Self.migrator.migrate(pool)
        } catch let error as DatabaseError where Self.isCorruption(error) {
            throw Self.openError(error, path: path)
        } catch {
            throw LedgerError(
                code: .migrationFailed, path: path, message: "cannot update the ledger schema: \(Self.describe(error))")
        }
    }

    /// Opens an existing ledger for reading only (`scan --dry-run`): no file is created and the schema is not changed.
    ///
    /// - Throws: `LedgerError` with `unreadable` or `corruptDatabase`, naming the path.
    public init(readingOnly path: String) throws {
        self.path = path
        pool = try Self.openPool(path, readonly: true)
        // Reading an older (or newer) schema as if it were current would give wrong answers silently.
        let current: Bool
        do { current = try pool.read { db in try Self.migrator.hasCompletedMigrations(db) } } catch {
            throw Self.openError(error, path: path)
        }
        guard current else {
            throw LedgerError(
                code: .migrationFailed, path: path,
                message: "the ledger's schema is not this version's (a scan brings an older one up to date)")
        }
    }

    /// The connection pool of the ledger file, with the busy timeout; open errors as `LedgerError`.
    private static func openPool(_ path: String, readonly: Bool) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.readonly = readonly
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = readonly ? "ShareLedger (read-only)" : "ShareLedger"
        do { return try DatabasePool(path: path, configuration: configuration) } catch {
            throw openError(error, path: path)
        }
    }

    /// The versioned schema. Never edit a registered migration; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        event_id TEXT NOT NULL UNIQUE CHECK (length(event_id) > 0),
                        content_id TEXT NOT NULL,
                        message_key TEXT NOT NULL,
                        mailbox TEXT NOT NULL,
                        source_kind TEXT NOT NULL,
                        source_name TEXT NOT NULL,
                        source_index INTEGER,
                        source_offset INTEGER,
                        source_uid_validity INTEGER,
                        source_uid INTEGER,
                        body BLOB NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX events_message ON events(message_key);
                    CREATE TABLE outbox (
                        event_id TEXT PRIMARY KEY NOT NULL REFERENCES events(event_id),
                        state TEXT NOT NULL
                            CHECK (state IN ('pending', 'sending', 'delivered', 'retry', 'dead')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL,
                        last_error TEXT,
                        last_status INTEGER,
                        gong_request_id TEXT,
                        claim_token TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
                    CREATE TABLE attempts (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        event_id TEXT NOT NULL REFERENCES events(event_id),
                        at REAL NOT NULL,
                        http_status INTEGER,
                        gong_request_id TEXT,
                        error TEXT
                    );
                    CREATE INDEX attempts_event ON attempts(event_id);
                    CREATE TABLE checkpoints (
                        source_key TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE TABLE daily_quota (
                        day TEXT PRIMARY KEY NOT NULL,
                        calls INTEGER NOT NULL
                    );
                    CREATE TABLE call_slots (
                        at REAL NOT NULL
                    );
                    CREATE INDEX call_slots_at ON call_slots(at);
                    """)
        }
        // v2: the detection record (what `requeue` rebuilds an event from), the requeue log, and pacing moved to
        // the per-account `GongAccountState` file.
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN detection BLOB;
                    CREATE TABLE requeues (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        event_id TEXT NOT NULL REFERENCES events(event_id),
                        at REAL NOT NULL,
                        previous_state TEXT NOT NULL,
                        previous_status INTEGER,
                        previous_error TEXT,
                        attempts INTEGER NOT NULL,
                        rebuilt INTEGER NOT NULL
                    );
                    CREATE INDEX requeues_event ON requeues(event_id);
                    DROP TABLE call_slots;
                    DROP TABLE daily_quota;
                    """)
        }
        // v3: which Gong API each event's body is for (`content-shared`, `digital-interaction`), whether it is bound
        // to that API (an attempt may have reached Gong there), the API of a call in flight (set before the call,
        // cleared when its outcome is recorded: a crash in between leaves the event bound), and the API of every
        // attempt. Events recorded before are content-shared, and bound when an attempt may have reached Gong (no
        // HTTP status, or one other than a 4xx but 408 and 409) or a run that stopped mid-call left them `sending`.
        migrator.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN api TEXT NOT NULL DEFAULT 'content-shared';
                    ALTER TABLE events ADD COLUMN api_bound INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE events ADD COLUMN api_inflight TEXT;
                    ALTER TABLE attempts ADD COLUMN api TEXT;
                    UPDATE events SET api_bound = 1
                        WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.event_id = events.event_id
                                      AND (a.http_status IS NULL OR a.http_status NOT BETWEEN 400 AND 499
                                           OR a.http_status IN (408, 409)))
                           OR EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = events.event_id AND o.state = 'sending');
                    UPDATE attempts SET api = 'content-shared';
                    """)
        }
        // v4: mailbox leases (the contract's; a SQLite ledger is also held whole by the run lock).
        migrator.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    CREATE TABLE leases (
                        mailbox TEXT PRIMARY KEY NOT NULL,
                        holder TEXT NOT NULL,
                        acquired_at REAL NOT NULL,
                        expires_at REAL NOT NULL
                    );
                    """)
        }
        return migrator
    }

    /// The names of the applied migrations, oldest first.
    public func appliedMigrations() throws -> [String] {
        try read { db in try Self.migrator.appliedMigrations(db) }
    }

    // MARK: - Helpers shared by the extensions

    /// Runs a read.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw mapError(error)
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction; any thrown error rolls it back.
    func writeImmediate<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.immediateTransaction(body) } catch { throw mapError(error) }
    }

    func mapError(_ error: any Error) -> LedgerError {
        if let error = error as? LedgerError { return error }
        if let error = error as? DatabaseError {
            if Self.isCorruption(error) {
                return LedgerError(
                    code: .corruptDatabase, path: path,
                    message: "the ledger file is damaged or not a ledger: \(Self.describe(error))")
            }
            if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                return LedgerError(
                    code: .busy, path: path,
                    message: "the ledger stayed busy for \(Int(Self.busyTimeout)) s (another run is writing)")
            }
            if error.resultCode == .SQLITE_CONSTRAINT {
                return LedgerError(code: .invalidArgument, path: path, message: Self.describe(error))
            }
        }
        return LedgerError(code: .database, path: path, message: Self.describe(error))
    }

    static func isCorruption(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT
    }

    /// SQLite's message without the SQL text or arguments.
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown")"
        }
        return String(describing: error)
    }

    static func openError(_ error: any Error, path: String) -> LedgerError {
        if let error = error as? DatabaseError {
            if isCorruption(error) {
                return LedgerError(
                    code: .corruptDatabase, path: path,
                    message: "the ledger file is damaged or not an SQLite database (\(describe(error))); "
                        + "move it aside to start a new ledger (Gong's 409 prevents duplicates)")
            }
            return LedgerError(code: .unreadable, path: path, message: "cannot open the ledger: \(describe(error))")
        }
        return LedgerError(code: .unreadable, path: path, message: "cannot open the ledger: \(describe(error))")
    }

    /// Creates the parent folder (0700) and the file (0600) when missing, so SQLite never creates them with
    /// the process umask. Never follows a symbolic link: a ledger (or its `-wal`, `-shm`, `-journal` file) that is a
    /// link is refused with `symlinkRefused`, so a planted link cannot make the ledger write somewhere else.
    static func prepareFile(at path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw LedgerError(
                    code: .cannotCreate, path: path, message: "cannot create the ledger folder \(directory): \(error)")
            }
        }
        func refuseSymlink(_ candidate: String) throws {
            var info = stat()
            guard lstat(candidate, &info) == 0, info.st_mode & mode_t(S_IFMT) == mode_t(S_IFLNK) else { return }
            throw LedgerError(
                code: .symlinkRefused, path: path,
                message:
                    "\(candidate) is a symbolic link; the ledger never follows links (replace it with the real file)")
        }
        for suffix in ["", "-wal", "-shm", "-journal"] { try refuseSymlink(path + suffix) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw LedgerError(code: .unreadable, path: path, message: "the ledger path is a folder, not a file")
            }
            return
        }
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 {
            let code = errno
            if code == EEXIST {
                try refuseSymlink(path)  // created meanwhile: by another run, or a link planted in between
                return
            }
            throw LedgerError(
                code: .cannotCreate, path: path,
                message: "cannot create the ledger file: \(String(cString: strerror(code)))")
        }
        _ = fchmod(fd, 0o600)
        close(fd)
    }
}

extension DatabasePool {
    /// Runs `body` in one `BEGIN IMMEDIATE` transaction (the write lock taken up front, so a read-then-write never
    /// races another process); any thrown error rolls it back.
    func immediateTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }
}

/// Unix seconds of a date, as stored.
@inline(__always)
func unixSeconds(_ date: Date) -> Double {
    date.timeIntervalSince1970
}

/// A date from stored Unix seconds.
@inline(__always)
func unixDate(_ seconds: Double) -> Date {
    Date(timeIntervalSince1970: seconds)
}
