import Foundation
import GRDB

extension GongAccountState {
    /// The pacing gate: reserves the right to make one call to this Gong account now, or says when to ask again.
    ///
    /// Correct across overlapping processes that share the state file: the check and the reservation run in one
    /// `BEGIN IMMEDIATE` transaction. Rules, in order:
    /// 1. while a 429 pause lasts, `.paused(until:)`;
    /// 2. when `callsPerDay` calls were already reserved today (UTC), `.dailyBudgetExhausted`;
    /// 3. when `callsPerSecond` calls were reserved in the last second (`(now − 1 s, now]`), `.waitUntil(t)` where
    ///    `t` is the first instant at which the window holds fewer: at most `callsPerSecond` calls fall in any
    ///    half-open 1-second window `[t, t + 1 s)`;
    /// 4. otherwise the call is reserved (counted in both) and the answer is `.go`.
    ///
    /// A reserved call counts even if Gong then answers 429 or 5xx (Gong counts it too); a call that never reached
    /// Gong is given back with ``refundCall(now:)``.
    ///
    /// `safetyMargin` widens the window (default 25 ms: at most `callsPerSecond` calls in any 1.025 s), so the
    /// few milliseconds between reserving a slot and the request reaching Gong never let a server-side
    /// 1-second window see one call too many.
    public func reserveCallSlot(
        now: Date, callsPerSecond: Int, callsPerDay: Int, safetyMargin: TimeInterval
    ) throws -> Reservation {
        let nowMicros = Self.micros(now)
        let day = utcDay(now)
        let perSecond = max(1, callsPerSecond)
        let windowMicros = Self.windowMicros + Int64(max(0, safetyMargin) * 1_000_000)
        return try write { db in
            if let until = try Double.fetchOne(
                db, sql: "SELECT paused_until FROM accounts WHERE account_key = ?", arguments: [self.accountKey]),
                until > unixSeconds(now)
            {
                return .paused(until: unixDate(until))
            }
            let used =
                try Int.fetchOne(
                    db, sql: "SELECT calls FROM daily_quota WHERE account_key = ? AND day = ?",
                    arguments: [self.accountKey, day]) ?? 0
            if used >= callsPerDay {
                return .dailyBudgetExhausted
            }
            let recent = try Int64.fetchAll(
                db, sql: "SELECT at FROM call_slots WHERE account_key = ? AND at > ? ORDER BY at",
                arguments: [self.accountKey, nowMicros - windowMicros])
            if recent.count >= perSecond {
                let leaving = recent[recent.count - perSecond]
                return .waitUntil(Self.pacingDate(micros: leaving + windowMicros))
            }
            try db.execute(
                sql: "INSERT INTO call_slots (account_key, at) VALUES (?, ?)", arguments: [self.accountKey, nowMicros])
            try db.execute(
                sql: "DELETE FROM call_slots WHERE at <= ?", arguments: [nowMicros - Self.slotRetentionMicros])
            try db.execute(
                sql: """
                    INSERT INTO daily_quota (account_key, day, calls) VALUES (?, ?, 1)
                    ON CONFLICT (account_key, day) DO UPDATE SET calls = calls + 1
                    """,
                arguments: [self.accountKey, day])
            return .go
        }
    }

    /// Gives back today's count of a reserved call that never reached Gong (connection refused, DNS, TLS
    /// handshake), so an outage does not spend the daily budget.
    public func refundCall(now: Date) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE daily_quota SET calls = MAX(0, calls - 1) WHERE account_key = ? AND day = ?",
                arguments: [self.accountKey, utcDay(now)])
        }
    }

    /// Calls reserved on `now`'s UTC day.
    public func callsToday(now: Date) throws -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT calls FROM daily_quota WHERE account_key = ? AND day = ?",
                arguments: [self.accountKey, utcDay(now)]) ?? 0
        }
    }

    /// The reserved call times (Unix microseconds) kept for pacing, oldest first; for tests and diagnostics.
    public func recentCallSlots() throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(
                db, sql: "SELECT at FROM call_slots WHERE account_key = ? ORDER BY at", arguments: [self.accountKey])
        }
    }

    /// The pacing window, one second in microseconds.
    static let windowMicros: Int64 = 1_000_000
    /// How long reserved call times are kept (10 s; only the last second matters).
    static let slotRetentionMicros: Int64 = 10_000_000

    static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    static func pacingDate(micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}

/// `YYYY-MM-DD` of `date` in UTC (proleptic Gregorian; H. Hinnant's civil-from-days).
func utcDay(_ date: Date) -> String {
    let days = Int64((date.timeIntervalSince1970 / 86_400).rounded(.down))
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
}
