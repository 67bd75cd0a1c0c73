import Foundation

/// A Gong account's pace, daily budget, 429 pause and breaker in the shared PostgreSQL ledger: every team and
/// every machine calling the account reserves its calls here, so together they stay under its calls per second and
/// count each call once against its daily quota.
///
/// A reservation locks the account's row (`SELECT … FOR UPDATE`), so reservations of one account are serialised
/// (a few hundred microseconds each on loopback: far above Gong's 3 calls/s) and never over-admit. By default the
/// window is timed by the database's clock, so machines whose clocks drift apart still share one pace; the answer's
/// dates are turned back into the caller's clock. A reservation carries a nonce: when a commit's answer is lost (the
/// server restarted) and the transaction runs again, the call is found already counted and not counted twice.
public final class PostgresAccountState: GongAccountPace {
    /// Which clock times the pacing window.
    public enum Clock: Sendable {
        /// The database's `clock_timestamp()` (the default: shared by every machine).
        case database
        /// The `now` each caller passes (tests with a virtual clock).
        case caller
    }

    /// ``GongAccountPace``'s `accountKey`, as its documentation says.
    public let accountKey: String
    let database: PostgresDatabase
    let clock: Clock

    init(database: PostgresDatabase, accountKey: String, clock: Clock = .database) {
        self.database = database
        self.accountKey = accountKey
        self.clock = clock
    }

    /// The same account timed by another clock.
    public func timed(by clock: Clock) -> PostgresAccountState {
        PostgresAccountState(database: database, accountKey: accountKey, clock: clock)
    }

    /// ``GongAccountPace``'s `location`, as its documentation says.
    public var location: String { database.displayURL }

    /// 150 ms: callers on several machines reach Gong with different delays (network, a loaded host), so at most
    /// `callsPerSecond` calls fall in any 1.15 s; Gong's 3 calls/s becomes 2.6 calls/s sustained, with no 429.
    public var pacingMargin: TimeInterval { 0.15 }

    /// ``GongAccountPace``'s `pause(until:reason:now:)`, as its documentation says.
    public func pause(until: Date, reason: String, now: Date) throws {
        try database.transaction { connection in
            try ensureRow(connection, now: now)
            try connection.execute(
                """
                UPDATE sd_accounts SET paused_until = $2, pause_reason = $3, updated_at = $4
                WHERE account_key = $1 AND (paused_until IS NULL OR paused_until < $2)
                """, [accountKey, seconds(until), reason, seconds(now)])
        }
    }

    /// ``GongAccountPace``'s `pause(now:)`, as its documentation says.
    public func pause(now: Date) throws -> (until: Date, reason: String)? {
        try database.withConnection { connection in
            guard
                let row = try connection.execute(
                    "SELECT paused_until, pause_reason FROM sd_accounts WHERE account_key = $1", [accountKey]
                ).rows.first,
                let until = row.double("paused_until"), until > now.timeIntervalSince1970
            else { return nil }
            return (Date(timeIntervalSince1970: until), row["pause_reason"] ?? "paused")
        }
    }

    /// ``GongAccountPace``'s `consecutiveFailures()`, as its documentation says.
    public func consecutiveFailures() throws -> Int {
        try database.withConnection { connection in
            try connection.execute(
                "SELECT consecutive_failures FROM sd_accounts WHERE account_key = $1", [accountKey]
            ).rows.first?.int("consecutive_failures") ?? 0
        }
    }

    /// ``GongAccountPace``'s `noteCall(failed:lastFailure:now:)`, as its documentation says.
    public func noteCall(failed: Bool, lastFailure: String?, now: Date) throws -> Int {
        try database.transaction { connection in
            try ensureRow(connection, now: now)
            return try connection.execute(
                """
                UPDATE sd_accounts SET
                    consecutive_failures = CASE WHEN $2 THEN consecutive_failures + 1 ELSE 0 END,
                    last_failure = COALESCE($3, last_failure), updated_at = $4
                WHERE account_key = $1
                RETURNING consecutive_failures
                """,
                [accountKey, PostgresValue.bool(failed), lastFailure.map(SecretScrubber.scrub), seconds(now)]
            ).rows.first?.int("consecutive_failures") ?? 0
        }
    }

    /// ``GongAccountPace``'s `reserveCallSlot(now:callsPerSecond:callsPerDay:safetyMargin:)`, as its documentation says.
    public func reserveCallSlot(
        now: Date, callsPerSecond: Int, callsPerDay: Int, safetyMargin: TimeInterval
    ) throws -> Reservation {
        let nonce = UUID().uuidString
        let perSecond = max(1, callsPerSecond)
        let windowMicros = GongAccountState.windowMicros + Int64(max(0, safetyMargin) * 1_000_000)
        return try database.transaction { connection in
            try ensureRow(connection, now: now)
            let account = try connection.execute(
                """
                SELECT paused_until, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS server_micros
                FROM sd_accounts WHERE account_key = $1 FOR UPDATE
                """, [accountKey]
            ).rows[0]
            let callerMicros = GongAccountState.micros(now)
            let nowMicros = clock == .database ? (account.int64("server_micros") ?? callerMicros) : callerMicros
            // Dates answered are in the caller's clock.
            func callerDate(_ micros: Int64) -> Date {
                GongAccountState.pacingDate(micros: micros - nowMicros + callerMicros)
            }
            if try !connection.execute(
                "SELECT 1 FROM sd_call_slots WHERE account_key = $1 AND nonce = $2", [accountKey, nonce]
            ).rows.isEmpty {
                return .go  // an earlier try of this transaction committed before its answer was lost
            }
            if let until = account.double("paused_until") {
                let untilMicros = Int64((until * 1_000_000).rounded())
                if untilMicros > nowMicros { return .paused(until: callerDate(untilMicros)) }
            }
            let day = utcDay(GongAccountState.pacingDate(micros: nowMicros))
            let used =
                try connection.execute(
                    "SELECT calls FROM sd_daily_quota WHERE account_key = $1 AND day = $2", [accountKey, day]
                ).rows.first?.int("calls") ?? 0
            if used >= callsPerDay { return .dailyBudgetExhausted }
            let recent = try connection.execute(
                "SELECT at FROM sd_call_slots WHERE account_key = $1 AND at > $2 ORDER BY at",
                [accountKey, String(nowMicros - windowMicros)]
            ).rows.compactMap { $0.int64("at") }
            if recent.count >= perSecond {
                return .waitUntil(callerDate(recent[recent.count - perSecond] + windowMicros))
            }
            try connection.execute(
                "INSERT INTO sd_call_slots (account_key, at, nonce) VALUES ($1, $2, $3)",
                [accountKey, String(nowMicros), nonce])
            try connection.execute(
                "DELETE FROM sd_call_slots WHERE account_key = $1 AND at <= $2",
                [accountKey, String(nowMicros - GongAccountState.slotRetentionMicros)])
            try connection.execute(
                """
                INSERT INTO sd_daily_quota (account_key, day, calls) VALUES ($1, $2, 1)
                ON CONFLICT (account_key, day) DO UPDATE SET calls = sd_daily_quota.calls + 1
                """, [accountKey, day])
            return .go
        }
    }

    /// ``GongAccountPace``'s `refundCall(now:)`, as its documentation says.
    public func refundCall(now: Date) throws {
        try database.transaction { connection in
            try connection.execute(
                """
                UPDATE sd_daily_quota SET calls = GREATEST(0, calls - 1)
                WHERE account_key = $1 AND day = $2
                """, [accountKey, try day(connection, now: now)])
        }
    }

    /// ``GongAccountPace``'s `callsToday(now:)`, as its documentation says.
    public func callsToday(now: Date) throws -> Int {
        try database.withConnection { connection in
            try connection.execute(
                "SELECT calls FROM sd_daily_quota WHERE account_key = $1 AND day = $2",
                [accountKey, try day(connection, now: now)]
            ).rows.first?.int("calls") ?? 0
        }
    }

    /// ``GongAccountPace``'s `recentCallSlots()`, as its documentation says.
    public func recentCallSlots() throws -> [Int64] {
        try database.withConnection { connection in
            try connection.execute(
                "SELECT at FROM sd_call_slots WHERE account_key = $1 ORDER BY at", [accountKey]
            ).rows.compactMap { $0.int64("at") }
        }
    }

    /// The UTC day the quota counts `now` in: the database's day under its clock.
    private func day(_ connection: PostgresConnection, now: Date) throws -> String {
        guard clock == .database else { return utcDay(now) }
        return utcDay(Date(timeIntervalSince1970: try PostgresLedger.serverNow(connection)))
    }

    private func ensureRow(_ connection: PostgresConnection, now: Date) throws {
        try connection.execute(
            "INSERT INTO sd_accounts (account_key, updated_at) VALUES ($1, $2) ON CONFLICT (account_key) DO NOTHING",
            [accountKey, seconds(now)])
    }
}
