import Foundation
import GRDB
import GongEngagement

/// An event as `requeue` reads it: enough to rebuild its body and to say what it was.
public struct RecordedEvent: Sendable, Hashable {
    /// The event id.
    public var eventId: String
    /// The mailbox it came from.
    public var mailbox: String
    /// The Gong request body as recorded.
    public var body: Data
    /// The detection record, when the ledger has one.
    public var detection: Data?
    /// The delivery state.
    public var state: DeliveryState.Name
    /// When the event entered the ledger.
    public var createdAt: Date
    /// The Gong API `body` is for.
    public var api: GongAPI = .contentShared
    /// Whether the event is bound to `api` (an attempt may have reached Gong there).
    public var apiBound = false
    /// The message's stable key.
    public var messageKey = ""
}

/// Which events `requeue` selects.
public struct RequeueSelection: Sendable, Hashable {
    /// Only dead events.
    public var deadOnly = false
    /// Only these event ids (empty: no restriction).
    public var eventIds: [String] = []
    /// Only events recorded at or after this time.
    public var since: Date?

    /// Creates a selection.
    public init(deadOnly: Bool = false, eventIds: [String] = [], since: Date? = nil) {
        self.deadOnly = deadOnly
        self.eventIds = eventIds
        self.since = since
    }
}

extension ShareLedger {
    /// The events `selection` names that are not delivered (a delivered event is never re-sent: Gong has it),
    /// oldest first.
    public func requeueCandidates(_ selection: RequeueSelection) throws -> [RecordedEvent] {
        var conditions = ["o.state != 'delivered'"]
        var arguments: [any DatabaseValueConvertible] = []
        if selection.deadOnly { conditions.append("o.state = 'dead'") }
        if let since = selection.since {
            conditions.append("events.created_at >= ?")
            arguments.append(unixSeconds(since))
        }
        if !selection.eventIds.isEmpty {
            conditions.append(
                "events.event_id IN (\(Array(repeating: "?", count: selection.eventIds.count).joined(separator: ",")))")
            arguments += selection.eventIds.map { $0 as any DatabaseValueConvertible }
        }
        let sql = """
            SELECT events.event_id, events.mailbox, events.body, events.detection, o.state, events.created_at,
                events.api, events.message_key, \(Self.boundSQL) AS bound
            FROM events JOIN outbox o ON o.event_id = events.event_id
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY events.created_at, events.rowid
            """
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                RecordedEvent(
                    eventId: row["event_id"], mailbox: row["mailbox"], body: row["body"], detection: row["detection"],
                    state: DeliveryState.Name(rawValue: row["state"]) ?? .pending,
                    createdAt: unixDate(row["created_at"]),
                    api: GongAPI(stored: row["api"]), apiBound: row["bound"], messageKey: row["message_key"])
            }
        }
    }

    /// The states of `eventIds` (unknown ids are absent).
    public func states(of eventIds: [String]) throws -> [String: DeliveryState.Name] {
        guard !eventIds.isEmpty else { return [:] }
        return try read { db in
            var result: [String: DeliveryState.Name] = [:]
            let marks = Array(repeating: "?", count: eventIds.count).joined(separator: ",")
            for row in try Row.fetchAll(
                db, sql: "SELECT event_id, state FROM outbox WHERE event_id IN (\(marks))",
                arguments: StatementArguments(eventIds))
            {
                result[row["event_id"]] = DeliveryState.Name(rawValue: row["state"]) ?? .pending
            }
            return result
        }
    }

    /// Puts `eventId` back in the outbox as `pending` with `body` (rebuilt, or the stored one), keeping its attempt
    /// log and writing what it was (state, last status and error, attempts) to the requeue log, in one transaction.
    ///
    /// A delivered event is left alone (`false`): Gong has it. `api`, when given, is the Gong API `body` is for; an
    /// event bound to its API (an attempt may have reached Gong there) cannot move to another one
    /// (`invalidArgument`) unless `moveBound` (the operator's explicit choice, which may show the event twice in
    /// Gong); the move unbinds it. Call while holding the run lock.
    @discardableResult
    public func requeue(
        eventId: String, body: Data, rebuilt: Bool, api: GongAPI?, moveBound: Bool, now: Date
    ) throws -> Bool {
        try writeImmediate { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT state, last_status, last_error, attempts FROM outbox WHERE event_id = ?",
                    arguments: [eventId])
            else {
                throw LedgerError(code: .invalidArgument, path: path, message: "no event \(eventId) in the ledger")
            }
            let state: String = row["state"]
            guard state != DeliveryState.Name.delivered.rawValue else { return false }
            if let api, !moveBound,
                let bound = try Row.fetchOne(
                    db, sql: "SELECT api FROM events WHERE event_id = ? AND \(Self.boundSQL)", arguments: [eventId]),
                bound["api"] as String != api.rawValue
            {
                throw LedgerError(
                    code: .invalidArgument, path: path,
                    message: "event \(eventId) may have reached Gong's \(bound["api"] as String) API; it stays there")
            }
            try db.execute(
                sql: """
                    INSERT INTO requeues (event_id, at, previous_state, previous_status, previous_error, attempts,
                        rebuilt)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    eventId, unixSeconds(now), state, row["last_status"] as Int?, row["last_error"] as String?,
                    row["attempts"] as Int, rebuilt,
                ])
            try db.execute(
                sql: """
                    UPDATE events SET body = ?, api = COALESCE(?, api),
                        api_bound = CASE WHEN ? AND COALESCE(?, api) != api THEN 0 ELSE api_bound END,
                        api_inflight = CASE WHEN ? AND COALESCE(?, api) != api THEN NULL ELSE api_inflight END
                    WHERE event_id = ?
                    """,
                arguments: [body, api?.rawValue, moveBound, api?.rawValue, moveBound, api?.rawValue, eventId])
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = NULL, claim_token = NULL,
                        updated_at = ?
                    WHERE event_id = ?
                    """,
                arguments: [unixSeconds(now), eventId])
            return true
        }
    }

    /// The requeue log of `eventId`, oldest first: when, and what the event was before.
    public func requeueHistory(for eventId: String) throws -> [RequeueEntry] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM requeues WHERE event_id = ? ORDER BY id", arguments: [eventId]
            ).map { row in
                RequeueEntry(
                    at: unixDate(row["at"]),
                    previousState: DeliveryState.Name(rawValue: row["previous_state"]) ?? .pending,
                    previousStatus: row["previous_status"], previousError: row["previous_error"],
                    attempts: row["attempts"], rebuilt: row["rebuilt"])
            }
        }
    }
}

/// One row of the requeue log.
public struct RequeueEntry: Sendable, Hashable {
    /// When the event was requeued.
    public var at: Date
    /// Its state before.
    public var previousState: DeliveryState.Name
    /// Its last HTTP status before.
    public var previousStatus: Int?
    /// Its last error before (Gong's errors for a dead letter).
    public var previousError: String?
    /// Counted attempts before.
    public var attempts: Int
    /// Whether the body was rebuilt from the detection record (else the stored body was kept).
    public var rebuilt: Bool
}
