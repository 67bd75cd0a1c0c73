import Foundation
import GongEngagement

extension PostgresLedger {
    /// ``LedgerStore``'s `status(errorLimit:undeliveredLimit:)`, as its documentation says.
    public func status(errorLimit: Int, undeliveredLimit: Int) throws -> LedgerStatus {
        try database.transaction { connection in
            // One snapshot for every count and list.
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            var counts: [DeliveryState.Name: Int] = [:]
            for state in DeliveryState.Name.allCases { counts[state] = 0 }
            for row in try connection.execute(
                "SELECT state, COUNT(*) AS n FROM sd_outbox WHERE team = $1 GROUP BY state", [team]
            ).rows {
                if let state = DeliveryState.Name(rawValue: row.string("state")) { counts[state] = row.int("n") ?? 0 }
            }
            let errors = try connection.execute(
                """
                SELECT event_id, state, last_status, last_error, updated_at FROM sd_outbox
                WHERE team = $1 AND last_error IS NOT NULL AND state != 'delivered'
                ORDER BY updated_at DESC, seq DESC LIMIT $2
                """, [team, String(errorLimit)]
            ).rows.map { row in
                LedgerStatus.FailureSummary(
                    eventId: row.string("event_id"),
                    state: DeliveryState.Name(rawValue: row.string("state")) ?? .pending,
                    status: row.int("last_status"), error: row.string("last_error"),
                    updatedAt: date(row, "updated_at") ?? Date())
            }
            let undelivered = try connection.execute(
                """
                SELECT o.event_id, o.state, o.attempts, o.last_status, o.last_error, o.next_attempt_at,
                    e.created_at, e.mailbox, e.message_key, e.content_id, e.api, e.detection, e.body,
                    (SELECT a.gong_request_id FROM sd_attempts a WHERE a.team = o.team AND a.event_id = o.event_id
                        ORDER BY a.id DESC LIMIT 1) AS request_id
                FROM sd_outbox o JOIN sd_events e ON e.team = o.team AND e.event_id = o.event_id
                WHERE o.team = $1 AND o.state != 'delivered'
                ORDER BY e.created_at, e.seq LIMIT $2
                """, [team, String(undeliveredLimit)]
            ).rows.map { row in
                let key = row.string("message_key")
                return LedgerStatus.UndeliveredEvent(
                    eventId: row.string("event_id"),
                    state: DeliveryState.Name(rawValue: row.string("state")) ?? .pending,
                    messageId: key.hasPrefix("mid:") ? String(key.dropFirst(4)) : nil, mailbox: row.string("mailbox"),
                    subject: LedgerStatus.subject(detection: row.data("detection"), body: row.data("body")),
                    contentId: row.string("content_id"), attempts: row.int("attempts") ?? 0,
                    lastStatus: row.int("last_status"), lastError: row["last_error"], lastRequestId: row["request_id"],
                    nextAttemptAt: date(row, "next_attempt_at"), createdAt: date(row, "created_at") ?? Date(),
                    api: GongAPI(stored: row.string("api")))
            }
            var deliveredByAPI: [String: Int] = [:]
            for row in try connection.execute(
                """
                SELECT e.api, COUNT(*) AS n FROM sd_outbox o JOIN sd_events e ON e.team = o.team AND e.event_id = o.event_id
                WHERE o.team = $1 AND o.state = 'delivered' GROUP BY e.api
                """, [team]
            ).rows {
                deliveredByAPI[row.string("api")] = row.int("n") ?? 0
            }
            let oldest = try connection.execute(
                """
                SELECT MIN(e.created_at) AS at FROM sd_outbox o JOIN sd_events e ON e.team = o.team AND e.event_id = o.event_id
                WHERE o.team = $1 AND o.state IN ('pending', 'sending', 'retry')
                """, [team]
            ).rows.first.flatMap { date($0, "at") }
            let checkpoints = try connection.execute(
                "SELECT source_key, value, updated_at FROM sd_checkpoints WHERE team = $1 ORDER BY source_key", [team]
            ).rows.map { row in
                LedgerStatus.CheckpointEntry(
                    sourceKey: row.string("source_key"),
                    checkpoint: try? JSONDecoder().decode(Checkpoint.self, from: Data(row.string("value").utf8)),
                    updatedAt: date(row, "updated_at") ?? Date())
            }
            return LedgerStatus(
                counts: counts, lastErrors: errors, checkpoints: checkpoints, undelivered: undelivered,
                oldestWaiting: oldest, deliveredByAPI: deliveredByAPI)
        }
    }
}

extension LedgerStatus {
    /// The subject `status` shows: the detection record's `subject`, else the body's `sharingMessageSubject`.
    static func subject(detection: Data?, body: Data?) -> String? {
        func field(_ data: Data?, _ name: String) -> String? {
            guard let data, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                return nil
            }
            return object[name] as? String
        }
        return field(detection, "subject") ?? field(body, "sharingMessageSubject")
    }
}
