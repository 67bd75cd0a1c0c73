import Foundation

/// The versioned schema of the PostgreSQL ledger. Never edit a registered migration; append a new one.
///
/// Every table carries the team (events, outbox, attempts, requeues, checkpoints, leases) or the Gong account key
/// (pace, quota, pause, breaker), so one database serves every team config and every machine. Times are Unix seconds
/// (`double precision`), as in the SQLite ledger.
package enum PostgresSchema {
    /// The migrations, version 1 first.
    static let migrations: [String] = [
        """
        CREATE TABLE sd_events (
            team text NOT NULL,
            event_id text NOT NULL CHECK (length(event_id) > 0),
            seq bigserial NOT NULL,
            content_id text NOT NULL,
            message_key text NOT NULL,
            mailbox text NOT NULL,
            source_kind text NOT NULL,
            source_name text NOT NULL,
            source_index bigint,
            source_offset bigint,
            source_uid_validity bigint,
            source_uid bigint,
            body bytea NOT NULL,
            detection bytea,
            api text NOT NULL DEFAULT 'content-shared',
            api_bound boolean NOT NULL DEFAULT false,
            api_inflight text,
            created_at double precision NOT NULL,
            PRIMARY KEY (team, event_id)
        );
        CREATE INDEX sd_events_message ON sd_events (team, message_key);
        CREATE TABLE sd_outbox (
            team text NOT NULL,
            event_id text NOT NULL,
            seq bigint NOT NULL,
            state text NOT NULL CHECK (state IN ('pending', 'sending', 'delivered', 'retry', 'dead')),
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at double precision,
            last_error text,
            last_status integer,
            gong_request_id text,
            claim_token text,
            claim_holder text,
            created_at double precision NOT NULL,
            updated_at double precision NOT NULL,
            PRIMARY KEY (team, event_id),
            FOREIGN KEY (team, event_id) REFERENCES sd_events (team, event_id)
        );
        CREATE INDEX sd_outbox_due ON sd_outbox (team, state, next_attempt_at) WHERE state != 'delivered';
        CREATE INDEX sd_outbox_claim_order ON sd_outbox (team, (COALESCE(next_attempt_at, created_at)), seq)
            WHERE state != 'delivered';
        CREATE INDEX sd_outbox_claim_token ON sd_outbox (claim_token) WHERE claim_token IS NOT NULL;
        CREATE TABLE sd_attempts (
            id bigserial PRIMARY KEY,
            team text NOT NULL,
            event_id text NOT NULL,
            at double precision NOT NULL,
            http_status integer,
            gong_request_id text,
            error text,
            api text,
            FOREIGN KEY (team, event_id) REFERENCES sd_events (team, event_id)
        );
        CREATE INDEX sd_attempts_event ON sd_attempts (team, event_id);
        CREATE TABLE sd_requeues (
            id bigserial PRIMARY KEY,
            team text NOT NULL,
            event_id text NOT NULL,
            at double precision NOT NULL,
            previous_state text NOT NULL,
            previous_status integer,
            previous_error text,
            attempts integer NOT NULL,
            rebuilt boolean NOT NULL,
            FOREIGN KEY (team, event_id) REFERENCES sd_events (team, event_id)
        );
        CREATE INDEX sd_requeues_event ON sd_requeues (team, event_id);
        CREATE TABLE sd_checkpoints (
            team text NOT NULL,
            source_key text NOT NULL,
            value text NOT NULL,
            updated_at double precision NOT NULL,
            PRIMARY KEY (team, source_key)
        );
        CREATE TABLE sd_leases (
            team text NOT NULL,
            mailbox text NOT NULL,
            holder text NOT NULL,
            acquired_at double precision NOT NULL,
            renewed_at double precision NOT NULL,
            expires_at double precision NOT NULL,
            PRIMARY KEY (team, mailbox)
        );
        CREATE TABLE sd_holders (
            holder text PRIMARY KEY,
            expires_at double precision NOT NULL
        );
        CREATE TABLE sd_lease_history (
            id bigserial PRIMARY KEY,
            team text NOT NULL,
            mailbox text NOT NULL,
            holder text NOT NULL,
            acquired_at double precision NOT NULL,
            released_at double precision
        );
        CREATE INDEX sd_lease_history_mailbox ON sd_lease_history (team, mailbox, acquired_at);
        CREATE TABLE sd_accounts (
            account_key text PRIMARY KEY,
            paused_until double precision,
            pause_reason text,
            consecutive_failures integer NOT NULL DEFAULT 0,
            last_failure text,
            updated_at double precision NOT NULL
        );
        CREATE TABLE sd_daily_quota (
            account_key text NOT NULL,
            day text NOT NULL,
            calls integer NOT NULL,
            PRIMARY KEY (account_key, day)
        );
        CREATE TABLE sd_call_slots (
            account_key text NOT NULL,
            at bigint NOT NULL,
            nonce text NOT NULL,
            PRIMARY KEY (account_key, nonce)
        );
        CREATE INDEX sd_call_slots_at ON sd_call_slots (account_key, at);
        """
    ]

    /// The schema version this binary writes.
    package static var currentVersion: Int { migrations.count }

    /// Creates or upgrades the schema, under a transaction-wide advisory lock so that scanners starting together
    /// apply each migration once. Refuses a database whose schema is newer than this binary's.
    /// A database already at this version is only read: a role without the CREATE privilege can scan it.
    package static func migrate(_ database: PostgresDatabase) throws {
        let present = try database.withConnection { connection in
            let exists = try connection.execute("SELECT to_regclass('sd_schema') IS NOT NULL AS present")
            return exists.rows.first?.bool("present") == true ? try Self.version(connection) : 0
        }
        try refuseNewer(present, database: database)
        if present == currentVersion { return }
        try database.transaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock(7461000001)")
            try connection.execute(
                "CREATE TABLE IF NOT EXISTS sd_schema (version integer PRIMARY KEY, applied_at double precision NOT NULL)"
            )
            let version = try Self.version(connection)
            try refuseNewer(version, database: database)
            for index in version..<migrations.count {
                try connection.executeScript(migrations[index])
                try connection.execute(
                    "INSERT INTO sd_schema (version, applied_at) VALUES ($1, extract(epoch FROM clock_timestamp()))",
                    [String(index + 1)])
            }
        }
    }

    /// Checks, without changing anything, that the schema is this binary's (`scan --dry-run`, `status`).
    package static func checkVersion(_ database: PostgresDatabase) throws {
        let version = try database.withConnection { connection in
            let exists = try connection.execute("SELECT to_regclass('sd_schema') IS NOT NULL AS present")
            guard exists.rows.first?.bool("present") == true else { return 0 }
            return try Self.version(connection)
        }
        try refuseNewer(version, database: database)
        if version == 0 {
            throw LedgerError(
                code: .noLedger, path: database.displayURL,
                message: "the database has no ledger yet: run share-detector ledger migrate (or a scan) first")
        }
        guard version == currentVersion else {
            throw LedgerError(
                code: .migrationFailed, path: database.displayURL,
                message: "the ledger's schema is version \(version), older than this share-detector's "
                    + "\(currentVersion): run share-detector ledger migrate")
        }
    }

    /// The applied versions, oldest first.
    package static func appliedVersions(_ database: PostgresDatabase) throws -> [Int] {
        try database.withConnection { connection in
            try connection.execute("SELECT version FROM sd_schema ORDER BY version").rows.compactMap {
                $0.int("version")
            }
        }
    }

    private static func version(_ connection: PostgresConnection) throws -> Int {
        try connection.execute("SELECT COALESCE(MAX(version), 0) AS version FROM sd_schema").rows.first?.int("version")
            ?? 0
    }

    private static func refuseNewer(_ version: Int, database: PostgresDatabase) throws {
        guard version > currentVersion else { return }
        throw LedgerError(
            code: .migrationFailed, path: database.displayURL,
            message: "the ledger's schema is version \(version), newer than this share-detector's "
                + "\(currentVersion): upgrade share-detector on this machine (an older binary would misread it)")
    }
}
