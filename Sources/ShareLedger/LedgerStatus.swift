import Foundation
import GRDB

/// A summary of a ledger for the operator: outbox counts, recent failures, checkpoints and today's quota use.
public struct LedgerStatus: Sendable, Hashable {
    /// Number of outbox rows per state (every state present, zero when none).
    public var counts: [OutboxState: Int]
    /// The most recent failures of rows not delivered (newest first).
    public var lastErrors: [FailureSummary]
    /// Every checkpoint by source key.
    public var checkpoints: [CheckpointEntry]
    /// The UTC day of `callsToday`, `YYYY-MM-DD`.
    public var day: String
    /// Gong calls reserved on `day`.
    public var callsToday: Int

    /// Total events in the outbox.
    public var total: Int { counts.values.reduce(0, +) }

    /// One failing event.
    public struct FailureSummary: Sendable, Hashable {
        /// The event id.
        public var eventId: String
        /// Its state (`retry`, `dead`, `pending`).
        public var state: OutboxState
        /// The last HTTP status, `nil` for a transport error.
        public var status: Int?
        /// The last error text.
        public var error: String
        /// When the row last changed.
        public var updatedAt: Date
    }

    /// One source's checkpoint.
    public struct CheckpointEntry: Sendable, Hashable {
        /// The source key.
        public var sourceKey: String
        /// The checkpoint, `nil` when it could not be decoded.
        public var checkpoint: Checkpoint?
        /// When it last moved.
        public var updatedAt: Date
    }
}

extension ShareLedger {
    /// The ledger's summary at `now`, with up to `errorLimit` recent failures.
    public func status(now: Date = Date(), errorLimit: Int = 20) throws -> LedgerStatus {
        let day = Self.utcDay(now)
        return try read { db in
            var counts: [OutboxState: Int] = [:]
            for state in OutboxState.allCases { counts[state] = 0 }
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                if let state = OutboxState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            let errors = try Row.fetchAll(
                db,
                sql: """
                    SELECT event_id, state, last_status, last_error, updated_at FROM outbox
                    WHERE last_error IS NOT NULL AND state != 'delivered'
                    ORDER BY updated_at DESC, rowid DESC LIMIT ?
                    """,
                arguments: [errorLimit]
            ).map { row in
                LedgerStatus.FailureSummary(
                    eventId: row["event_id"], state: OutboxState(rawValue: row["state"]) ?? .pending,
                    status: row["last_status"], error: row["last_error"], updatedAt: unixDate(row["updated_at"]))
            }
            let checkpoints = try Row.fetchAll(
                db, sql: "SELECT source_key, value, updated_at FROM checkpoints ORDER BY source_key"
            ).map { row in
                let json: String = row["value"]
                return LedgerStatus.CheckpointEntry(
                    sourceKey: row["source_key"],
                    checkpoint: try? JSONDecoder().decode(Checkpoint.self, from: Data(json.utf8)),
                    updatedAt: unixDate(row["updated_at"]))
            }
            let calls = try Int.fetchOne(db, sql: "SELECT calls FROM daily_quota WHERE day = ?", arguments: [day]) ?? 0
            return LedgerStatus(
                counts: counts, lastErrors: errors, checkpoints: checkpoints, day: day, callsToday: calls)
        }
    }
}
