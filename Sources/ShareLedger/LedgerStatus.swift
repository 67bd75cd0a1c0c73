import Foundation
import GRDB
import GongEngagement

/// A summary of a ledger for the operator: outbox counts, every event not delivered with its details, recent
/// failures and checkpoints.
public struct LedgerStatus: Sendable, Hashable {
    /// Number of outbox rows per state (every state present, zero when none).
    public var counts: [DeliveryState.Name: Int]
    /// The most recent failures of rows not delivered (newest first).
    public var lastErrors: [FailureSummary]
    /// Every checkpoint by source key.
    public var checkpoints: [CheckpointEntry]
    /// Every event not delivered (pending, sending, retry, dead), oldest first, up to the caller's limit.
    public var undelivered: [UndeliveredEvent]
    /// When the oldest event still waiting for delivery (pending, sending or retry) entered the ledger.
    public var oldestWaiting: Date?
    /// Delivered events by the Gong API they were delivered to (`content-shared`, `digital-interaction`).
    public var deliveredByAPI: [String: Int] = [:]

    /// Events waiting for delivery (pending, sending, retry): what the run summaries call "waiting".
    public var waiting: Int { (counts[.pending] ?? 0) + (counts[.sending] ?? 0) + (counts[.retry] ?? 0) }

    /// Total events in the outbox.
    public var total: Int { counts.values.reduce(0, +) }

    /// One failing event.
    public struct FailureSummary: Sendable, Hashable {
        /// The event id.
        public var eventId: String
        /// Its state (`retry`, `dead`, `pending`).
        public var state: DeliveryState.Name
        /// The last HTTP status, `nil` for a transport error.
        public var status: Int?
        /// The last error text.
        public var error: String
        /// When the row last changed.
        public var updatedAt: Date
    }

    /// One event not delivered, as `status` names it.
    public struct UndeliveredEvent: Sendable, Hashable {
        /// The event id.
        public var eventId: String
        /// Its state.
        public var state: DeliveryState.Name
        /// The message's Message-ID, when it has one.
        public var messageId: String?
        /// The mailbox it came from.
        public var mailbox: String
        /// The message's subject, from the event body.
        public var subject: String?
        /// The content id.
        public var contentId: String
        /// Counted attempts so far.
        public var attempts: Int
        /// Gong's last answer (HTTP status), `nil` when it never answered.
        public var lastStatus: Int?
        /// The last error.
        public var lastError: String?
        /// Gong's `requestId` of the last answer.
        public var lastRequestId: String?
        /// When a `retry` is due.
        public var nextAttemptAt: Date?
        /// When the event entered the ledger (its age is measured from here).
        public var createdAt: Date
        /// The Gong API its body is for.
        public var api: GongAPI = .contentShared
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
    /// The ledger's summary, with up to `errorLimit` recent failures and `undeliveredLimit` undelivered events.
    public func status(errorLimit: Int, undeliveredLimit: Int) throws -> LedgerStatus {
        try read { db in
            var counts: [DeliveryState.Name: Int] = [:]
            for state in DeliveryState.Name.allCases { counts[state] = 0 }
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                if let state = DeliveryState.Name(rawValue: row["state"]) { counts[state] = row["n"] }
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
                    eventId: row["event_id"], state: DeliveryState.Name(rawValue: row["state"]) ?? .pending,
                    status: row["last_status"], error: row["last_error"], updatedAt: unixDate(row["updated_at"]))
            }
            let undelivered = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.event_id, o.state, o.attempts, o.last_status, o.last_error, o.next_attempt_at,
                        e.created_at, e.mailbox, e.message_key, e.content_id, e.api,
                        COALESCE(json_extract(CAST(e.detection AS TEXT), '$.subject'),
                            json_extract(CAST(e.body AS TEXT), '$.sharingMessageSubject')) AS subject,
                        (SELECT a.gong_request_id FROM attempts a WHERE a.event_id = o.event_id
                            ORDER BY a.id DESC LIMIT 1) AS request_id
                    FROM outbox o JOIN events e ON e.event_id = o.event_id
                    WHERE o.state != 'delivered'
                    ORDER BY e.created_at, e.rowid LIMIT ?
                    """,
                arguments: [undeliveredLimit]
            ).map { row in
                let key: String = row["message_key"]
                return LedgerStatus.UndeliveredEvent(
                    eventId: row["event_id"], state: DeliveryState.Name(rawValue: row["state"]) ?? .pending,
                    messageId: key.hasPrefix("mid:") ? String(key.dropFirst(4)) : nil, mailbox: row["mailbox"],
                    subject: row["subject"], contentId: row["content_id"], attempts: row["attempts"],
                    lastStatus: row["last_status"], lastError: row["last_error"], lastRequestId: row["request_id"],
                    nextAttemptAt: (row["next_attempt_at"] as Double?).map(unixDate),
                    createdAt: unixDate(row["created_at"]), api: GongAPI(stored: row["api"]))
            }
            var deliveredByAPI: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT e.api, COUNT(*) AS n FROM outbox o JOIN events e ON e.event_id = o.event_id
                    WHERE o.state = 'delivered' GROUP BY e.api
                    """)
            {
                deliveredByAPI[row["api"]] = row["n"]
            }
            let oldest = try Double.fetchOne(
                db,
                sql: """
                    SELECT MIN(e.created_at) FROM outbox o JOIN events e ON e.event_id = o.event_id
                    WHERE o.state IN ('pending', 'sending', 'retry')
                    """)
            let checkpoints = try Row.fetchAll(
                db, sql: "SELECT source_key, value, updated_at FROM checkpoints ORDER BY source_key"
            ).map { row in
                let json: String = row["value"]
                return LedgerStatus.CheckpointEntry(
                    sourceKey: row["source_key"],
                    checkpoint: try? JSONDecoder().decode(Checkpoint.self, from: Data(json.utf8)),
                    updatedAt: unixDate(row["updated_at"]))
            }
            return LedgerStatus(
                counts: counts, lastErrors: errors, checkpoints: checkpoints, undelivered: undelivered,
                oldestWaiting: oldest.map(unixDate), deliveredByAPI: deliveredByAPI)
        }
    }
}
