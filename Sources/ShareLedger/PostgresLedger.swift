import Foundation
import GongEngagement

/// One team's ledger in a PostgreSQL database that every team, scanner and sender of the company may share: the
/// same contract as the SQLite ``ShareLedger``, with rows keyed by team, claims taken with `FOR UPDATE SKIP LOCKED`,
/// and mailbox leases (timed by the database's clock) instead of a whole-ledger lock.
public final class PostgresLedger: LedgerStore {
    /// The team whose rows this instance reads and writes.
    public let team: String
    /// The process's holder name: its claims carry it, and its heartbeat (``renewLeases(holder:duration:)``) keeps
    /// them its own; a claim whose holder stopped beating is taken back at once by another sender.
    public let holder: String
    /// How long the holder counts as alive after a claim or a heartbeat (the scan's lease time).
    public let holderLifetime: TimeInterval
    let database: PostgresDatabase

    /// Connects to `url` (a `postgresql://` URL or libpq `key=value` string; TLS, `.pgpass` and `PG*` variables as
    /// libpq documents them) and, when `migrate`, creates or upgrades the schema; else checks it is this binary's.
    /// A transaction cut by a lost connection runs again on a new one for up to `reconnectWindow` seconds. This
    /// process's (`holder`'s) claims stay its own for `holderLifetime` seconds after each claim or heartbeat.
    ///
    /// - Throws: `LedgerError` naming the URL without its password.
    public init(
        url: String, password: String?, team: String, migrate: Bool = true, reconnectWindow: TimeInterval = 60,
        holderLifetime: TimeInterval = 60, holder: String = LeaseHolder.current
    ) throws {
        self.team = team
        self.holder = holder
        self.holderLifetime = holderLifetime
        database = try PostgresDatabase(
            url: url, password: password, reconnectWindow: reconnectWindow, migrate: migrate)
    }

    /// The same database for another team (one connection pool).
    public init(sharing other: PostgresLedger, team: String) {
        self.team = team
        holder = other.holder
        holderLifetime = other.holderLifetime
        database = other.database
    }

    /// ``LedgerStore``'s `location`, as its documentation says.
    public var location: String { database.displayURL }
    /// ``LedgerStore``'s `isShared`, as its documentation says.
    public var isShared: Bool { true }

    /// The applied schema versions, oldest first.
    public func appliedVersions() throws -> [Int] { try PostgresSchema.appliedVersions(database) }

    /// The schema version this binary writes.
    public static var schemaVersion: Int { PostgresSchema.currentVersion }

    /// The teams that have events, checkpoints or leases in the database.
    public func teams() throws -> [String] {
        try database.withConnection { connection in
            try connection.execute(
                """
                SELECT team FROM sd_events UNION SELECT team FROM sd_checkpoints UNION SELECT team FROM sd_leases
                ORDER BY team
                """
            ).rows.map { $0.string("team") }
        }
    }

    /// The Gong account state `accountKey` in this database (pace, quota, pause and breaker of every team and machine
    /// using that account).
    public func accountState(accountKey: String) -> PostgresAccountState {
        PostgresAccountState(database: database, accountKey: accountKey)
    }

    // MARK: - Events and checkpoints

    /// ``LedgerStore``'s `commit(events:checkpoint:for:lease:now:)`, as its documentation says.
    public func commit(
        events: [LedgerEvent], checkpoint: Checkpoint?, for sourceKey: String, lease: MailboxLease?, now: Date
    ) throws -> CommitResult {
        let checkpointJSON = try checkpoint.map { try ShareLedger.encode($0) }
        return try database.transaction { connection in
            if let lease { try checkLease(lease, connection) }
            var result = CommitResult()
            for event in events {
                if try insert(event, now: now, connection) {
                    result.inserted.append(event.eventId)
                } else {
                    result.alreadyKnown.append(event.eventId)
                }
            }
            if let checkpointJSON {
                try connection.execute(
                    """
                    INSERT INTO sd_checkpoints (team, source_key, value, updated_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (team, source_key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """, [team, sourceKey, checkpointJSON, seconds(now)])
            }
            return result
        }
    }

    private func insert(_ event: LedgerEvent, now: Date, _ connection: PostgresConnection) throws -> Bool {
        let columns = event.position.columns
        let inserted = try connection.execute(
            """
            INSERT INTO sd_events (team, event_id, content_id, message_key, mailbox, source_kind, source_name,
                source_index, source_offset, source_uid_validity, source_uid, body, detection, api, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            ON CONFLICT (team, event_id) DO NOTHING
            RETURNING seq
            """,
            [
                team, event.eventId, event.contentId, event.messageKey, event.mailbox, event.position.kind,
                columns.name, columns.index.map(String.init), columns.offset.map(String.init),
                columns.uidValidity.map(String.init), columns.uid.map(String.init), PostgresValue.bytea(event.body),
                event.detection.map(PostgresValue.bytea), event.api.rawValue, seconds(now),
            ])
        guard let seq = inserted.rows.first?["seq"] else { return false }
        try connection.execute(
            """
            INSERT INTO sd_outbox (team, event_id, seq, state, attempts, created_at, updated_at)
            VALUES ($1, $2, $3, 'pending', 0, $4, $4)
            """, [team, event.eventId, seq, seconds(now)])
        return true
    }

    /// ``LedgerStore``'s `checkpoint(for:)`, as its documentation says.
    public func checkpoint(for sourceKey: String) throws -> Checkpoint? {
        let json = try database.withConnection { connection in
            try connection.execute(
                "SELECT value FROM sd_checkpoints WHERE team = $1 AND source_key = $2", [team, sourceKey]
            ).rows.first?["value"]
        }
        guard let json else { return nil }
        do {
            return try JSONDecoder().decode(Checkpoint.self, from: Data(json.utf8))
        } catch {
            throw LedgerError(
                code: .corruptDatabase, path: location,
                message: "the checkpoint of \(sourceKey) cannot be read: \(error)")
        }
    }

    /// ``LedgerStore``'s `resetCheckpoint(for:)`, as its documentation says.
    public func resetCheckpoint(for sourceKey: String) throws {
        try database.withConnection { connection in
            try connection.execute(
                "DELETE FROM sd_checkpoints WHERE team = $1 AND source_key = $2", [team, sourceKey])
        }
    }

    /// ``LedgerStore``'s `contains(eventId:)`, as its documentation says.
    public func contains(eventId: String) throws -> Bool {
        try database.withConnection { connection in
            try !connection.execute(
                "SELECT 1 FROM sd_events WHERE team = $1 AND event_id = $2", [team, eventId]
            ).rows.isEmpty
        }
    }

    /// ``LedgerStore``'s `api(of:)`, as its documentation says.
    public func api(of eventId: String) throws -> (api: GongAPI, bound: Bool)? {
        try database.withConnection { connection in
            try connection.execute(
                "SELECT api, \(Self.boundSQL) AS bound FROM sd_events WHERE team = $1 AND event_id = $2",
                [team, eventId]
            ).rows.first.map { (GongAPI(stored: $0.string("api")), $0.bool("bound")) }
        }
    }

    /// "The event is bound to its API": an attempt may have reached Gong there, or a call is in flight.
    static let boundSQL = "(sd_events.api_bound OR sd_events.api_inflight IS NOT NULL)"

    /// ``LedgerStore``'s `body(of:)`, as its documentation says.
    public func body(of eventId: String) throws -> Data? {
        try database.withConnection { connection in
            try connection.execute(
                "SELECT body FROM sd_events WHERE team = $1 AND event_id = $2", [team, eventId]
            ).rows.first?.data("body")
        }
    }

    // MARK: - Leases

    /// ``LedgerStore``'s `acquireLease(mailbox:holder:duration:)`, as its documentation says.
    public func acquireLease(mailbox: String, holder: String, duration: TimeInterval) throws -> LeaseOutcome {
        try database.transaction { connection in
            // One lease operation on a mailbox at a time (the row may not exist yet, so a row lock is not enough):
            // the times read after this lock order the history as the grants really happened.
            try lockMailbox(mailbox, connection)
            let rows = try connection.execute(
                "SELECT * FROM sd_leases WHERE team = $1 AND mailbox = $2 FOR UPDATE", [team, mailbox]
            ).rows
            let now = try Self.serverNow(connection)
            if let row = rows.first {
                let current = lease(row)
                if current.holder != holder, current.expiresAt.timeIntervalSince1970 > now { return .heldBy(current) }
            }
            let isRenewal = rows.first?.string("holder") == holder
            // Two scanners may both find no row; the second INSERT waits for the first and must then lose, not
            // overwrite: the update applies only to this holder's row or a lapsed one.
            guard
                let row = try connection.execute(
                    """
                    INSERT INTO sd_leases (team, mailbox, holder, acquired_at, renewed_at, expires_at)
                    VALUES ($1, $2, $3, $4, $4, $5)
                    ON CONFLICT (team, mailbox) DO UPDATE SET holder = excluded.holder,
                        acquired_at = CASE WHEN sd_leases.holder = excluded.holder THEN sd_leases.acquired_at
                                           ELSE excluded.acquired_at END,
                        renewed_at = excluded.renewed_at, expires_at = excluded.expires_at
                    WHERE sd_leases.holder = excluded.holder OR sd_leases.expires_at <= excluded.acquired_at
                    RETURNING *
                    """, [team, mailbox, holder, String(now), String(now + duration)]
                ).rows.first
            else {
                let current = try connection.execute(
                    "SELECT * FROM sd_leases WHERE team = $1 AND mailbox = $2", [team, mailbox]
                ).rows[0]
                return .heldBy(lease(current))
            }
            if !isRenewal {
                if let previous = rows.first {
                    // Taken over from a holder whose lease lapsed: its history ends when the lease did.
                    try closeHistory(
                        mailbox: mailbox, holder: previous.string("holder"),
                        at: previous.double("expires_at") ?? now, connection)
                }
                try connection.execute(
                    """
                    INSERT INTO sd_lease_history (team, mailbox, holder, acquired_at) VALUES ($1, $2, $3, $4)
                    """, [team, mailbox, holder, String(now)])
                // A week of history is enough to answer "who scanned this mailbox when".
                try connection.execute(
                    "DELETE FROM sd_lease_history WHERE team = $1 AND mailbox = $2 AND acquired_at < $3",
                    [team, mailbox, String(now - 7 * 86_400)])
            }
            return .acquired(lease(row))
        }
    }

    /// ``LedgerStore``'s `renewLeases(holder:duration:)`, as its documentation says.
    public func renewLeases(holder: String, duration: TimeInterval) throws -> Set<String> {
        try database.transaction { connection in
            let now = try Self.serverNow(connection)
            // The holder is alive until then: its outbox claims stay its own.
            try noteAlive(holder: holder, until: now + duration, connection)
            try connection.execute("DELETE FROM sd_holders WHERE expires_at < $1", [String(now - 86_400)])
            return Set(
                try connection.execute(
                    """
                    UPDATE sd_leases SET renewed_at = $3, expires_at = $4
                    WHERE team = $1 AND holder = $2 AND expires_at > $3
                    RETURNING mailbox
                    """, [team, holder, String(now), String(now + duration)]
                ).rows.map { $0.string("mailbox") })
        }
    }

    /// ``LedgerStore``'s `releaseLease(_:)`, as its documentation says.
    public func releaseLease(_ lease: MailboxLease) throws {
        try database.transaction { connection in
            try lockMailbox(lease.mailbox, connection)
            let now = try Self.serverNow(connection)
            let released = try connection.execute(
                "DELETE FROM sd_leases WHERE team = $1 AND mailbox = $2 AND holder = $3",
                [team, lease.mailbox, lease.holder])
            if released.affectedRows > 0 {
                try closeHistory(mailbox: lease.mailbox, holder: lease.holder, at: now, connection)
            }
        }
    }

    /// Takes the transaction-wide advisory lock of this team's `mailbox`.
    private func lockMailbox(_ mailbox: String, _ connection: PostgresConnection) throws {
        try connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", ["sd-lease/\(team)/\(mailbox)"])
    }

    /// Notes `holder` alive until `until` (a later time already noted is kept).
    func noteAlive(holder: String, until: Double, _ connection: PostgresConnection) throws {
        try connection.execute(
            """
            INSERT INTO sd_holders (holder, expires_at) VALUES ($1, $2)
            ON CONFLICT (holder) DO UPDATE SET expires_at = GREATEST(sd_holders.expires_at, excluded.expires_at)
            """, [holder, String(until)])
    }

    /// Ends the holder's latest open history entry of `mailbox` at `at`.
    private func closeHistory(mailbox: String, holder: String, at: Double, _ connection: PostgresConnection) throws {
        try connection.execute(
            """
            UPDATE sd_lease_history SET released_at = $4
            WHERE id = (SELECT MAX(id) FROM sd_lease_history
                        WHERE team = $1 AND mailbox = $2 AND holder = $3 AND released_at IS NULL)
            """, [team, mailbox, holder, String(at)])
    }

    /// ``LedgerStore``'s `leases()`, as its documentation says.
    public func leases() throws -> [MailboxLease] {
        try database.withConnection { connection in
            try connection.execute(
                """
                SELECT * FROM sd_leases WHERE team = $1 AND expires_at > extract(epoch FROM clock_timestamp())
                ORDER BY mailbox
                """, [team]
            ).rows.map(lease)
        }
    }

    /// Every unexpired lease of every team, by team and mailbox (`status --all-teams`).
    public func allLeases() throws -> [MailboxLease] {
        try database.withConnection { connection in
            try connection.execute(
                """
                SELECT * FROM sd_leases WHERE expires_at > extract(epoch FROM clock_timestamp())
                ORDER BY team, mailbox
                """
            ).rows.map(lease)
        }
    }

    /// The lease history of `mailbox` (acquisitions of the last week, oldest first): holder, acquired, released.
    public func leaseHistory(mailbox: String) throws -> [(holder: String, acquiredAt: Date, releasedAt: Date?)] {
        try database.withConnection { connection in
            try connection.execute(
                """
                SELECT holder, acquired_at, released_at FROM sd_lease_history
                WHERE team = $1 AND mailbox = $2 ORDER BY acquired_at, id
                """, [team, mailbox]
            ).rows.map {
                (
                    $0.string("holder"), Date(timeIntervalSince1970: $0.double("acquired_at") ?? 0),
                    $0.double("released_at").map(Date.init(timeIntervalSince1970:))
                )
            }
        }
    }

    private func checkLease(_ lease: MailboxLease, _ connection: PostgresConnection) throws {
        // FOR SHARE: a concurrent takeover (which updates the row) waits for this commit, and vice versa.
        let held = try connection.execute(
            """
            SELECT 1 FROM sd_leases WHERE team = $1 AND mailbox = $2 AND holder = $3
                AND expires_at > extract(epoch FROM clock_timestamp())
            FOR SHARE
            """, [team, lease.mailbox, lease.holder])
        guard !held.rows.isEmpty else { throw LedgerError.leaseLost(lease, location: location) }
    }

    private func lease(_ row: PostgresRow) -> MailboxLease {
        MailboxLease(
            team: row.string("team"), mailbox: row.string("mailbox"), holder: row.string("holder"),
            acquiredAt: Date(timeIntervalSince1970: row.double("acquired_at") ?? 0),
            expiresAt: Date(timeIntervalSince1970: row.double("expires_at") ?? 0))
    }

    /// The database's clock, in Unix seconds: leases of scanners on machines with skewed clocks agree.
    static func serverNow(_ connection: PostgresConnection) throws -> Double {
        try connection.execute("SELECT extract(epoch FROM clock_timestamp())::double precision AS now").rows.first?
            .double("now") ?? Date().timeIntervalSince1970
    }
}

/// Unix seconds of a date, as a text parameter.
func seconds(_ date: Date) -> String {
    String(date.timeIntervalSince1970)
}

/// A date from a `double precision` column.
func date(_ row: PostgresRow, _ column: String) -> Date? {
    row.double(column).map(Date.init(timeIntervalSince1970:))
}
