import Foundation
import GRDB
import GongEngagement

/// What `ledger import` moved.
public struct LedgerImportSummary: Sendable, Hashable {
    /// Events new to the PostgreSQL ledger (with their outbox rows, attempts and requeues).
    public var events = 0
    /// Events it already had (left as they are there).
    public var alreadyThere = 0
    /// Checkpoints written (a newer one already there is kept).
    public var checkpoints = 0
    /// Delivered events among those imported: never sent again.
    public var delivered = 0
}

extension PostgresLedger {
    /// Moves a team's SQLite ledger (events with their outbox states, attempts, requeue log and checkpoints) into
    /// this team's rows, in ONE transaction: all of it or none. Events the database already has are left alone (run
    /// it twice, nothing doubles); a delivered event stays delivered, so nothing is sent again; a checkpoint already
    /// in the database that is newer is kept.
    public func importLedger(from sqlite: ShareLedger) throws -> LedgerImportSummary {
        struct Rows {
            var events: [Row]
            var outbox: [String: Row]
            var attempts: [String: [Row]]
            var requeues: [String: [Row]]
            var checkpoints: [Row]
        }
        let rows = try sqlite.read { db in
            Rows(
                events: try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY created_at, rowid"),
                outbox: Dictionary(
                    try Row.fetchAll(db, sql: "SELECT * FROM outbox").map { ($0["event_id"] as String, $0) },
                    uniquingKeysWith: { first, _ in first }),
                attempts: Dictionary(grouping: try Row.fetchAll(db, sql: "SELECT * FROM attempts ORDER BY id")) {
                    $0["event_id"] as String
                },
                requeues: Dictionary(grouping: try Row.fetchAll(db, sql: "SELECT * FROM requeues ORDER BY id")) {
                    $0["event_id"] as String
                },
                checkpoints: try Row.fetchAll(db, sql: "SELECT * FROM checkpoints"))
        }
        func text(_ row: Row, _ column: String) -> String? {
            let value: DatabaseValue = row[column]
            switch value.storage {
            case .null: return nil
            case .int64(let number): return String(number)
            case .double(let number): return String(number)
            case .string(let string): return string
            case .blob(let data): return PostgresValue.bytea(data)
            }
        }
        func blob(_ row: Row, _ column: String) -> String? {
            let value: DatabaseValue = row[column]
            switch value.storage {
            case .blob(let data): return PostgresValue.bytea(data)
            case .string(let string): return PostgresValue.bytea(Data(string.utf8))
            default: return nil
            }
        }
        return try database.transaction { connection in
            var summary = LedgerImportSummary()
            for event in rows.events {
                let eventId: String = event["event_id"]
                guard let outbox = rows.outbox[eventId] else { continue }
                let inserted = try connection.execute(
                    """
                    INSERT INTO sd_events (team, event_id, content_id, message_key, mailbox, source_kind, source_name,
                        source_index, source_offset, source_uid_validity, source_uid, body, detection, api, api_bound,
                        api_inflight, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                    ON CONFLICT (team, event_id) DO NOTHING
                    RETURNING seq
                    """,
                    [
                        team, eventId, text(event, "content_id"), text(event, "message_key"), text(event, "mailbox"),
                        text(event, "source_kind"), text(event, "source_name"), text(event, "source_index"),
                        text(event, "source_offset"), text(event, "source_uid_validity"), text(event, "source_uid"),
                        blob(event, "body"), blob(event, "detection"), text(event, "api") ?? "content-shared",
                        PostgresValue.bool((event["api_bound"] as Int?) == 1), text(event, "api_inflight"),
                        text(event, "created_at"),
                    ])
                guard let seq = inserted.rows.first?["seq"] else {
                    summary.alreadyThere += 1
                    continue
                }
                summary.events += 1
                if (outbox["state"] as String) == DeliveryState.Name.delivered.rawValue { summary.delivered += 1 }
                try connection.execute(
                    """
                    INSERT INTO sd_outbox (team, event_id, seq, state, attempts, next_attempt_at, last_error,
                        last_status, gong_request_id, claim_token, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                    """,
                    [
                        team, eventId, seq, text(outbox, "state"), text(outbox, "attempts"),
                        text(outbox, "next_attempt_at"), text(outbox, "last_error"), text(outbox, "last_status"),
                        text(outbox, "gong_request_id"), text(outbox, "claim_token"), text(outbox, "created_at"),
                        text(outbox, "updated_at"),
                    ])
                for attempt in rows.attempts[eventId] ?? [] {
                    try connection.execute(
                        """
                        INSERT INTO sd_attempts (team, event_id, at, http_status, gong_request_id, error, api)
                        VALUES ($1, $2, $3, $4, $5, $6, $7)
                        """,
                        [
                            team, eventId, text(attempt, "at"), text(attempt, "http_status"),
                            text(attempt, "gong_request_id"), text(attempt, "error"), text(attempt, "api"),
                        ])
                }
                for requeue in rows.requeues[eventId] ?? [] {
                    try connection.execute(
                        """
                        INSERT INTO sd_requeues (team, event_id, at, previous_state, previous_status, previous_error,
                            attempts, rebuilt)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                        """,
                        [
                            team, eventId, text(requeue, "at"), text(requeue, "previous_state"),
                            text(requeue, "previous_status"), text(requeue, "previous_error"),
                            text(requeue, "attempts"), PostgresValue.bool((requeue["rebuilt"] as Int?) == 1),
                        ])
                }
            }
            for checkpoint in rows.checkpoints {
                let written = try connection.execute(
                    """
                    INSERT INTO sd_checkpoints (team, source_key, value, updated_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (team, source_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                        WHERE sd_checkpoints.updated_at < excluded.updated_at
                    """,
                    [team, text(checkpoint, "source_key"), text(checkpoint, "value"), text(checkpoint, "updated_at")])
                summary.checkpoints += written.affectedRows
            }
            return summary
        }
    }
}
