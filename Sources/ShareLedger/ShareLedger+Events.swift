import Foundation
import GRDB
import GongEngagement

extension ShareLedger {
    /// Inserts a batch of events (each with a pending outbox row) and advances `sourceKey`'s checkpoint, in ONE
    /// transaction: either all of it lands or none of it does.
    ///
    /// An event whose id the ledger already has is a no-op reported in `alreadyKnown` (the dedup); its outbox row
    /// is left as it is. Pass `checkpoint: nil` to insert events without moving a checkpoint.
    ///
    /// - Throws: `LedgerError` (`invalidArgument` for an empty event id); nothing is written then.
    @discardableResult
    public func commit(
        events: [LedgerEvent], checkpoint: Checkpoint?, for sourceKey: String, lease: MailboxLease?, now: Date
    ) throws -> CommitResult {
        let checkpointJSON = try checkpoint.map { try Self.encode($0) }
        return try writeImmediate { db in
            if let lease { try checkLease(lease, now: now, db: db) }
            var result = CommitResult()
            for event in events {
                if try insert(event, now: now, db: db) {
                    result.inserted.append(event.eventId)
                } else {
                    result.alreadyKnown.append(event.eventId)
                }
            }
            if let checkpointJSON {
                try db.execute(
                    sql: """
                        INSERT INTO checkpoints (source_key, value, updated_at) VALUES (?, ?, ?)
                        ON CONFLICT (source_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                        """,
                    arguments: [sourceKey, checkpointJSON, unixSeconds(now)])
            }
            return result
        }
    }

    /// Whether the ledger already has `eventId`.
    public func contains(eventId: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE event_id = ?)", arguments: [eventId])
                ?? false
        }
    }

    /// The Gong API `eventId`'s stored body is for (`content-shared` or `digital-interaction`), and whether the event
    /// is bound to it (an attempt may have reached Gong there); `nil` when unknown.
    public func api(of eventId: String) throws -> (api: GongAPI, bound: Bool)? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT api, \(Self.boundSQL) AS bound FROM events WHERE event_id = ?", arguments: [eventId]
            ).map { (GongAPI(stored: $0["api"]), $0["bound"]) }
        }
    }

    /// The SQL of "the event is bound to its API": an attempt may have reached Gong there, or a call is in flight.
    static let boundSQL = "(events.api_bound = 1 OR events.api_inflight IS NOT NULL)"

    /// The exact stored Gong request body of `eventId`, or `nil` when unknown.
    public func body(of eventId: String) throws -> Data? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT body FROM events WHERE event_id = ?", arguments: [eventId])
        }
    }

    /// The checkpoint of `sourceKey`, or `nil` when the source was never scanned.
    public func checkpoint(for sourceKey: String) throws -> Checkpoint? {
        let json = try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM checkpoints WHERE source_key = ?", arguments: [sourceKey])
        }
        guard let json else { return nil }
        do {
            return try JSONDecoder().decode(Checkpoint.self, from: Data(json.utf8))
        } catch {
            throw LedgerError(
                code: .corruptDatabase, path: path, message: "the checkpoint of \(sourceKey) cannot be read: \(error)")
        }
    }

    /// Removes `sourceKey`'s checkpoint, so the next scan starts from the beginning (dedup protects Gong).
    public func resetCheckpoint(for sourceKey: String) throws {
        try writeImmediate { db in
            try db.execute(sql: "DELETE FROM checkpoints WHERE source_key = ?", arguments: [sourceKey])
        }
    }

    private func insert(_ event: LedgerEvent, now: Date, db: Database) throws -> Bool {
        guard !event.eventId.isEmpty else {
            throw LedgerError(code: .invalidArgument, path: path, message: "an event id must not be empty")
        }
        let (name, index, offset, uidValidity, uid) = event.position.columns
        try db.execute(
            sql: """
                INSERT INTO events (event_id, content_id, message_key, mailbox, source_kind, source_name,
                    source_index, source_offset, source_uid_validity, source_uid, body, detection, api, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (event_id) DO NOTHING
                """,
            arguments: [
                event.eventId, event.contentId, event.messageKey, event.mailbox, event.position.kind, name,
                index, offset, uidValidity, uid, event.body, event.detection, event.api.rawValue, unixSeconds(now),
            ])
        guard db.changesCount == 1 else { return false }
        try db.execute(
            sql: """
                INSERT INTO outbox (event_id, state, attempts, created_at, updated_at)
                VALUES (?, 'pending', 0, ?, ?)
                """,
            arguments: [event.eventId, unixSeconds(now), unixSeconds(now)])
        return true
    }

    static func encode(_ checkpoint: Checkpoint) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(checkpoint), as: UTF8.self)
    }
}
