import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What every run that calls the same Gong account shares, whatever its team config or ledger: one pace (calls per
/// second), one daily budget, the 429 pause and the count of consecutive failures (the sending breaker).
///
/// Kept in one small SQLite file (WAL, mode 0600) per user, by default
/// `$XDG_STATE_HOME/share-detector/gong-accounts.sqlite` (`~/.local/state/share-detector/…` when `XDG_STATE_HOME`
/// is unset; `SHARE_DETECTOR_STATE_DIR` overrides the folder). Rows are keyed by an account key the caller derives
/// from the base URL and a hash of the credential, so two team configs using the same Gong credentials share one
/// pace and one quota, and no secret is stored. Every read-modify-write runs in one `BEGIN IMMEDIATE` transaction,
/// so overlapping processes never exceed the pace together.
public final class GongAccountState: GongAccountPace {
    /// The state file.
    public let path: String
    /// The state file's path.
    public var location: String { path }
    /// 25 ms: every caller runs on this machine, so reservations reach Gong with similar delays.
    public var pacingMargin: TimeInterval { 0.025 }
    /// The account's key in the file.
    public let accountKey: String
    let pool: DatabasePool

    /// Opens (creating when missing) the state file at `path` for `accountKey`.
    ///
    /// - Throws: `LedgerError` naming the path (a symlink in its place is refused: `unreadable`).
    public init(path: String, accountKey: String) throws {
        self.path = path
        self.accountKey = accountKey
        try ShareLedger.prepareFile(at: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(ShareLedger.busyTimeout)
        configuration.label = "GongAccountState"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw LedgerError(
                code: .unreadable, path: path,
                message: "cannot open the Gong account state: \(ShareLedger.describe(error)); "
                    + "move it aside to start anew (it holds only pacing state)")
        }
    }

    /// The default state folder: `$SHARE_DETECTOR_STATE_DIR`, else `$XDG_STATE_HOME/share-detector`, else
    /// `$HOME/.local/state/share-detector`.
    public static func defaultFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let folder = environment["SHARE_DETECTOR_STATE_DIR"], !folder.isEmpty { return folder }
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            return (xdg as NSString).appendingPathComponent("share-detector")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/state/share-detector")
    }

    /// The default state file: `gong-accounts.sqlite` in ``defaultFolder(environment:)``.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        (defaultFolder(environment: environment) as NSString).appendingPathComponent("gong-accounts.sqlite")
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE accounts (
                        account_key TEXT PRIMARY KEY NOT NULL,
                        paused_until REAL,
                        pause_reason TEXT,
                        consecutive_failures INTEGER NOT NULL DEFAULT 0,
                        last_failure TEXT,
                        updated_at REAL NOT NULL
                    );
                    CREATE TABLE daily_quota (
                        account_key TEXT NOT NULL,
                        day TEXT NOT NULL,
                        calls INTEGER NOT NULL,
                        PRIMARY KEY (account_key, day)
                    );
                    CREATE TABLE call_slots (
                        account_key TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX call_slots_at ON call_slots(account_key, at);
                    """)
        }
        return migrator
    }

    // MARK: - The 429 pause

    /// Pauses every call to this account until `until` (a later pause already stored wins).
    public func pause(until: Date, reason: String, now: Date) throws {
        try write { db in
            try self.ensureRow(db, now: now)
            try db.execute(
                sql: """
                    UPDATE accounts SET paused_until = ?, pause_reason = ?, updated_at = ?
                    WHERE account_key = ? AND (paused_until IS NULL OR paused_until < ?)
                    """,
                arguments: [unixSeconds(until), reason, unixSeconds(now), self.accountKey, unixSeconds(until)])
        }
    }

    /// The stored pause, when it lasts beyond `now`.
    public func pause(now: Date) throws -> (until: Date, reason: String)? {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT paused_until, pause_reason FROM accounts WHERE account_key = ?",
                    arguments: [self.accountKey]),
                let until = row["paused_until"] as Double?, until > unixSeconds(now)
            else { return nil }
            return (unixDate(until), (row["pause_reason"] as String?) ?? "paused")
        }
    }

    // MARK: - The sending breaker

    /// Consecutive failed calls (transport errors and 5xx) to this account, across runs.
    public func consecutiveFailures() throws -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT consecutive_failures FROM accounts WHERE account_key = ?",
                arguments: [self.accountKey]) ?? 0
        }
    }

    /// Counts one call's outcome for the account, in one transaction: a failure (transport error or 5xx) adds one
    /// to the shared count of consecutive failures, any other answer resets it. Returns the new count, so runs of
    /// several configs of one account decide on the same number.
    public func noteCall(failed: Bool, lastFailure: String?, now: Date) throws -> Int {
        try write { db in
            try self.ensureRow(db, now: now)
            try db.execute(
                sql: """
                    UPDATE accounts SET
                        consecutive_failures = CASE WHEN ? THEN consecutive_failures + 1 ELSE 0 END,
                        last_failure = COALESCE(?, last_failure), updated_at = ?
                    WHERE account_key = ?
                    """,
                arguments: [failed, lastFailure.map(SecretScrubber.scrub), unixSeconds(now), self.accountKey])
            return try Int.fetchOne(
                db, sql: "SELECT consecutive_failures FROM accounts WHERE account_key = ?",
                arguments: [self.accountKey]) ?? 0
        }
    }

    // MARK: - Helpers

    func ensureRow(_ db: Database, now: Date) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO accounts (account_key, updated_at) VALUES (?, ?)",
            arguments: [accountKey, unixSeconds(now)])
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw mapError(error) }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.immediateTransaction(body) } catch { throw mapError(error) }
    }

    func mapError(_ error: any Error) -> LedgerError {
        if let error = error as? LedgerError { return error }
        if let error = error as? DatabaseError,
            error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
        {
            return LedgerError(
                code: .busy, path: path,
                message: "the Gong account state stayed busy for \(Int(ShareLedger.busyTimeout)) s")
        }
        return LedgerError(code: .database, path: path, message: ShareLedger.describe(error))
    }
}
