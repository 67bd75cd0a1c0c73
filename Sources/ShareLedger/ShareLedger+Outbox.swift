import Foundation
import GRDB
import GongEngagement

extension ShareLedger {
    /// How long a row may stay `sending` before a claim treats its run as crashed and takes it back (2 minutes).
    ///
    /// Re-sending such an event is safe: if the crashed run's request reached Gong, Gong answers 409, which the
    /// state machine records as delivered.
    public static let defaultStaleSendingAfter: TimeInterval = 120

    /// Atomically moves up to `limit` due rows to `sending` and returns them, oldest first.
    ///
    /// Due rows are `pending` ones, `retry` ones whose `next_attempt_at ≤ now`, and `sending` ones not updated for
    /// `staleAfter` seconds (left by a crashed run). The select and the update run in one `BEGIN IMMEDIATE`
    /// transaction, so two overlapping runs on the same file never claim the same event.
    public func claimDue(
        now: Date, limit: Int, staleAfter: TimeInterval
    ) throws -> [ClaimedEvent] {
        guard limit > 0 else { return [] }
        let token = UUID().uuidString
        let nowSeconds = unixSeconds(now)
        return try writeImmediate { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.event_id, o.attempts, o.created_at, events.body, events.api, events.detection, events.message_key,
                        \(Self.boundSQL) AS bound
                    FROM outbox o JOIN events ON events.event_id = o.event_id
                    WHERE o.state = 'pending'
                       OR (o.state = 'retry' AND o.next_attempt_at <= ?)
                       OR (o.state = 'sending' AND o.updated_at <= ?)
                    ORDER BY COALESCE(o.next_attempt_at, o.created_at), o.rowid
                    LIMIT ?
                    """,
                arguments: [nowSeconds, nowSeconds - staleAfter, limit])
            var claimed: [ClaimedEvent] = []
            claimed.reserveCapacity(rows.count)
            for row in rows {
                let eventId: String = row["event_id"]
                let attempts: Int = row["attempts"]
                try db.execute(
                    sql: """
                        UPDATE outbox SET state = 'sending', claim_token = ?, updated_at = ?
                        WHERE event_id = ?
                        """,
                    arguments: [token, nowSeconds, eventId])
                claimed.append(
                    ClaimedEvent(
                        eventId: eventId, body: row["body"], attempt: attempts + 1,
                        enqueuedAt: unixDate(row["created_at"]), claimToken: token, api: GongAPI(stored: row["api"]),
                        apiBound: row["bound"], detection: row["detection"], messageKey: row["message_key"]))
            }
            return claimed
        }
    }

    /// Persists a delivery outcome of `eventId` claimed with `claimToken` and appends its attempt to the log, in one
    /// transaction.
    ///
    /// The state changes only while the row is still `sending` under `claimToken`; otherwise (the claim went
    /// stale and another run took the event) the attempt is logged and `superseded` is returned — except that a
    /// `delivered` outcome always wins over a non-final state, because Gong has the event.
    @discardableResult
    public func record(
        eventId: String, claimToken: String?, _ update: OutboxUpdate, now: Date
    ) throws -> RecordResult {
        try writeImmediate { db in
            if let attempt = update.attempt {
                try db.execute(
                    sql: """
                        INSERT INTO attempts (event_id, at, http_status, gong_request_id, error, api)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        eventId, unixSeconds(attempt.at), attempt.status, attempt.gongRequestId,
                        attempt.error.map(SecretScrubber.scrub), attempt.api?.rawValue,
                    ])
                try db.execute(
                    sql: """
                        UPDATE events SET api_inflight = NULL, api_bound = CASE WHEN ? THEN 1 ELSE api_bound END
                        WHERE event_id = ?
                        """,
                    arguments: [attempt.mayHaveReachedGong, eventId])
            }
            let current = try Row.fetchOne(
                db, sql: "SELECT state, claim_token FROM outbox WHERE event_id = ?", arguments: [eventId])
            guard let current else {
                throw LedgerError(code: .invalidArgument, path: path, message: "no outbox row for event \(eventId)")
            }
            let state = DeliveryState.Name(rawValue: current["state"]) ?? .pending
            let token: String? = current["claim_token"]
            let ownsClaim = state == .sending && token == claimToken
            let deliveredWins = update.state == .delivered && state != .delivered && state != .dead
            guard ownsClaim || deliveredWins else { return .superseded(current: state) }
            try db.execute(
                sql: """
                    UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, last_status = ?,
                        gong_request_id = COALESCE(?, gong_request_id), claim_token = NULL, updated_at = ?
                    WHERE event_id = ?
                    """,
                arguments: [
                    update.state.rawValue, update.attempts,
                    update.state == .retry ? update.nextAttemptAt.map(unixSeconds) : nil,
                    update.lastError.map(SecretScrubber.scrub), update.lastStatus, update.gongRequestId,
                    unixSeconds(now), eventId,
                ])
            return .applied
        }
    }

    /// Replaces the body of a claimed event with one built for another Gong API, while the event is not bound to
    /// its API (no attempt that may have reached Gong, no call in flight) and the claim is still this run's.
    public func rebind(_ claim: ClaimedEvent, api: GongAPI, body: Data, now: Date) throws -> RebindResult {
        try writeImmediate { db in
            let owned =
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM outbox WHERE event_id = ? AND state = 'sending'
                                       AND claim_token = ?)
                        """,
                    arguments: [claim.eventId, claim.claimToken]) ?? false
            guard owned else { return .notClaimed }
            try db.execute(
                sql: "UPDATE events SET api = ?, body = ? WHERE event_id = ? AND NOT \(Self.boundSQL)",
                arguments: [api.rawValue, body, claim.eventId])
            return db.changesCount == 1 ? .rebound : .bound
        }
    }

    /// Notes that a call for the claimed event is about to go to `claim.api`: until its outcome is recorded the
    /// event is bound to that API, so a crash in between can never send it to the other one. A mark left by an
    /// earlier call whose outcome was never recorded (the run died mid-call) becomes a permanent binding first.
    public func markInFlight(_ claim: ClaimedEvent) throws {
        try writeImmediate { db in
            try db.execute(
                sql: """
                    UPDATE events SET api_bound = CASE WHEN api_inflight IS NOT NULL THEN 1 ELSE api_bound END,
                        api_inflight = ?
                    WHERE event_id = ?
                    """,
                arguments: [claim.api.rawValue, claim.eventId])
        }
    }

    /// Puts claimed rows that were not sent back to `pending` (e.g. when a run stops early), keeping their attempts.
    public func release(_ claims: [ClaimedEvent], now: Date) throws {
        try writeImmediate { db in
            for claim in claims {
                try db.execute(
                    sql: """
                        UPDATE outbox SET state = 'pending', claim_token = NULL, updated_at = ?
                        WHERE event_id = ? AND state = 'sending' AND claim_token = ?
                        """,
                    arguments: [unixSeconds(now), claim.eventId, claim.claimToken])
            }
        }
    }

    /// When the earliest `retry` row falls due, or `nil` when none waits.
    public func nextRetryAt() throws -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'retry'")
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// The outbox row of `eventId`: its state, attempts, next attempt time, last status and error, Gong request id.
    public func outboxEntry(for eventId: String) throws -> OutboxEntry? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE event_id = ?", arguments: [eventId])
                .map(OutboxEntry.init(row:))
        }
    }

    /// The attempt log of `eventId`, oldest first.
    public func attempts(for eventId: String) throws -> [AttemptEntry] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM attempts WHERE event_id = ? ORDER BY id", arguments: [eventId]
            ).map { row in
                AttemptEntry(
                    at: unixDate(row["at"]), status: row["http_status"], gongRequestId: row["gong_request_id"],
                    error: row["error"], api: (row["api"] as String?).map { GongAPI(stored: $0) })
            }
        }
    }
}

/// One outbox row, as read back.
public struct OutboxEntry: Sendable, Hashable {
    /// The event id.
    public var eventId: String
    /// The delivery state.
    public var state: DeliveryState.Name
    /// Counted attempts used.
    public var attempts: Int
    /// When a `retry` row is due.
    public var nextAttemptAt: Date?
    /// The last failure.
    public var lastError: String?
    /// The last HTTP status.
    public var lastStatus: Int?
    /// Gong's `requestId` of the delivering call.
    public var gongRequestId: String?
    /// When the row was created.
    public var createdAt: Date
    /// When the row last changed.
    public var updatedAt: Date

    init(
        eventId: String, state: DeliveryState.Name, attempts: Int, nextAttemptAt: Date?, lastError: String?,
        lastStatus: Int?, gongRequestId: String?, createdAt: Date, updatedAt: Date
    ) {
        self.eventId = eventId
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.lastStatus = lastStatus
        self.gongRequestId = gongRequestId
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    init(row: Row) {
        eventId = row["event_id"]
        state = DeliveryState.Name(rawValue: row["state"]) ?? .pending
        attempts = row["attempts"]
        nextAttemptAt = (row["next_attempt_at"] as Double?).map(unixDate)
        lastError = row["last_error"]
        lastStatus = row["last_status"]
        gongRequestId = row["gong_request_id"]
        createdAt = unixDate(row["created_at"])
        updatedAt = unixDate(row["updated_at"])
    }
}

/// Removes credentials from free text before it is stored, and caps its length.
enum SecretScrubber {
    /// The longest error text stored.
    static let maxLength = 2_000

    /// Replaces the word after `Basic`/`Bearer` (any case), and everything after `Authorization:`, with
    /// `[redacted]`.
    static func scrub(_ text: String) -> String {
        var words: [Substring] = []
        var redactNext = false
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if redactNext && !word.isEmpty {
                words.append("[redacted]")
                redactNext = false
                continue
            }
            words.append(word)
            let lower = word.lowercased()
            if lower.hasSuffix("authorization:") {
                words.append("[redacted]")
                break
            }
            if lower == "basic" || lower == "bearer" {
                redactNext = true
            }
        }
        let joined = words.joined(separator: " ")
        return joined.count > maxLength ? String(joined.prefix(maxLength)) + "…" : joined
    }
}
