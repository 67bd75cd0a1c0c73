import Foundation
import GongEngagement

extension PostgresLedger {
    /// ``LedgerStore``'s `requeueCandidates(_:)`, as its documentation says.
    public func requeueCandidates(_ selection: RequeueSelection) throws -> [RecordedEvent] {
        var conditions = ["e.team = $1", "o.state != 'delivered'"]
        var parameters: [String?] = [team]
        if selection.deadOnly { conditions.append("o.state = 'dead'") }
        if let since = selection.since {
            parameters.append(seconds(since))
            conditions.append("e.created_at >= $\(parameters.count)")
        }
        if !selection.eventIds.isEmpty {
            parameters.append(Self.textArray(selection.eventIds))
            conditions.append("e.event_id = ANY($\(parameters.count)::text[])")
        }
        return try database.withConnection { connection in
            try connection.execute(
                """
                SELECT e.event_id, e.mailbox, e.body, e.detection, o.state, e.created_at, e.api, e.message_key,
                    (e.api_bound OR e.api_inflight IS NOT NULL) AS bound
                FROM sd_events e JOIN sd_outbox o ON o.team = e.team AND o.event_id = e.event_id
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY e.created_at, e.seq
                """, parameters
            ).rows.map { row in
                RecordedEvent(
                    eventId: row.string("event_id"), mailbox: row.string("mailbox"), body: row.data("body") ?? Data(),
                    detection: row.data("detection"),
                    state: DeliveryState.Name(rawValue: row.string("state")) ?? .pending,
                    createdAt: date(row, "created_at") ?? Date(), api: GongAPI(stored: row.string("api")),
                    apiBound: row.bool("bound"),
                    messageKey: row.string("message_key"))
            }
        }
    }

    /// ``LedgerStore``'s `states(of:)`, as its documentation says.
    public func states(of eventIds: [String]) throws -> [String: DeliveryState.Name] {
        guard !eventIds.isEmpty else { return [:] }
        return try database.withConnection { connection in
            var result: [String: DeliveryState.Name] = [:]
            for row in try connection.execute(
                "SELECT event_id, state FROM sd_outbox WHERE team = $1 AND event_id = ANY($2::text[])",
                [team, Self.textArray(eventIds)]
            ).rows {
                result[row.string("event_id")] = DeliveryState.Name(rawValue: row.string("state")) ?? .pending
            }
            return result
        }
    }

    /// ``LedgerStore``'s `requeue(eventId:body:rebuilt:api:moveBound:now:)`, as its documentation says.
    public func requeue(
        eventId: String, body: Data, rebuilt: Bool, api: GongAPI?, moveBound: Bool, now: Date
    ) throws -> Bool {
        try database.transaction { connection in
            guard
                let row = try connection.execute(
                    """
                    SELECT o.state, o.last_status, o.last_error, o.attempts, e.api,
                        (e.api_bound OR e.api_inflight IS NOT NULL) AS bound
                    FROM sd_outbox o JOIN sd_events e ON e.team = o.team AND e.event_id = o.event_id
                    WHERE o.team = $1 AND o.event_id = $2
                    FOR UPDATE
                    """, [team, eventId]
                ).rows.first
            else {
                throw LedgerError(code: .invalidArgument, path: location, message: "no event \(eventId) in the ledger")
            }
            let state = row.string("state")
            guard state != DeliveryState.Name.delivered.rawValue else { return false }
            if let api, !moveBound, row.bool("bound"), row.string("api") != api.rawValue {
                throw LedgerError(
                    code: .invalidArgument, path: location,
                    message: "event \(eventId) may have reached Gong's \(row.string("api")) API; it stays there")
            }
            try connection.execute(
                """
                INSERT INTO sd_requeues (team, event_id, at, previous_state, previous_status, previous_error,
                    attempts, rebuilt)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """,
                [
                    team, eventId, seconds(now), state, row["last_status"], row["last_error"],
                    row["attempts"] ?? "0", PostgresValue.bool(rebuilt),
                ])
            let moving = moveBound && api != nil && api?.rawValue != row.string("api")
            try connection.execute(
                """
                UPDATE sd_events SET body = $3, api = COALESCE($4, api),
                    api_bound = CASE WHEN $5 THEN false ELSE api_bound END,
                    api_inflight = CASE WHEN $5 THEN NULL ELSE api_inflight END
                WHERE team = $1 AND event_id = $2
                """, [team, eventId, PostgresValue.bytea(body), api?.rawValue, PostgresValue.bool(moving)])
            try connection.execute(
                """
                UPDATE sd_outbox SET state = 'pending', attempts = 0, next_attempt_at = NULL, claim_token = NULL,
                    updated_at = $3
                WHERE team = $1 AND event_id = $2
                """, [team, eventId, seconds(now)])
            return true
        }
    }

    /// ``LedgerStore``'s `requeueHistory(for:)`, as its documentation says.
    public func requeueHistory(for eventId: String) throws -> [RequeueEntry] {
        try database.withConnection { connection in
            try connection.execute(
                "SELECT * FROM sd_requeues WHERE team = $1 AND event_id = $2 ORDER BY id", [team, eventId]
            ).rows.map { row in
                RequeueEntry(
                    at: date(row, "at") ?? Date(),
                    previousState: DeliveryState.Name(rawValue: row.string("previous_state")) ?? .pending,
                    previousStatus: row.int("previous_status"), previousError: row["previous_error"],
                    attempts: row.int("attempts") ?? 0, rebuilt: row.bool("rebuilt"))
            }
        }
    }

    /// A `text[]` literal of `values` (each quoted, `"` and `\` escaped).
    static func textArray(_ values: [String]) -> String {
        "{"
            + values.map { value in
                "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\""
            }.joined(separator: ",") + "}"
    }
}
