import Foundation
import ShareLedger

/// Storage per million events: `--events` realistic events committed to both ledgers (batches of 500 with the
/// checkpoint), each claimed and recorded delivered with one attempt (PostgreSQL by 4 worker processes, SQLite in
/// this process), then the PostgreSQL database measured after `VACUUM ANALYZE` (`pg_database_size`,
/// `pg_total_relation_size` of each `sd_` table) and again after `VACUUM FULL`, and the SQLite file after close (its
/// WAL checkpointed), with `dbstat` per table. Sizes are extrapolated linearly to 10^6 events.
struct SizeBench {
    let url: String
    let events: Int
    let work: String

    init(_ options: LedgerOptions) {
        url = options.string("url")
        events = options.int("events", 200_000)
        work = options.string("work")
    }

    func run() throws {
        print("size: \(try LedgerBench.serverSettings(url))")
        let factory = LedgerEventFactory()
        let sample = factory.events(0, count: 1_000, run: "sample")
        let bodyBytes = Double(sample.reduce(0) { $0 + $1.body.count }) / Double(sample.count)
        let detectionBytes = Double(sample.reduce(0) { $0 + ($1.detection?.count ?? 0) }) / Double(sample.count)
        print(
            "events: \(grouped(Double(events))); mean Gong body \(grouped(bodyBytes)) bytes, mean detection record "
                + "\(grouped(detectionBytes)) bytes (JSON, as scan stores them)")
        let perMillion = 1_000_000 / Double(events)

        let ledger = try LedgerBench.postgres(url, team: "size", migrate: true)
        try vacuum()
        let emptySize = try databaseSize()
        let path = "\(work)/size.sqlite"
        let sqliteFill: String
        let sqliteStatus: Timings
        let postgresFill: String
        do {
            let sqlite = try ShareLedger(path: path)
            let (postgresCommit, sqliteCommit) = try commitBoth(ledger, sqlite, factory)
            postgresFill = try commitText(postgresCommit) + deliverPostgres()
            sqliteFill = try commitText(sqliteCommit) + deliver(sqlite)
            sqliteStatus = try Timings.measure(count: 3) { _ = try sqlite.status() }
        }
        try vacuum()
        let status = try Timings.measure(count: 3) { _ = try ledger.status() }
        let fullSize = try databaseSize()
        let tables = try tableSizes()
        _ = try LedgerBench.query(url, "VACUUM FULL")
        let compactSize = try databaseSize()
        let compactTables = try tableSizes()
        print()
        print("PostgreSQL: \(postgresFill); status() \(grouped(status.micros(0.5) / 1_000)) ms (median of 3)")
        print()
        print(
            "| PostgreSQL table | after VACUUM: total | heap | TOAST | indexes | **per 10^6 events** "
                + "| after VACUUM FULL: total | per 10^6 events |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for row in tables {
            let total = row.double("total") ?? 0
            guard total > 1_000_000 else { continue }
            let compact = compactTables.first { $0.string("name") == row.string("name") }?.double("total") ?? 0
            print(
                "| \(row.string("name")) | \(megabytes(total)) | \(megabytes(row.double("heap") ?? 0)) "
                    + "| \(megabytes(row.double("toast") ?? 0)) | \(megabytes(row.double("indexes") ?? 0)) "
                    + "| **\(megabytes(total * perMillion))** | \(megabytes(compact)) "
                    + "| \(megabytes(compact * perMillion)) |")
        }
        print("| (other tables, under 1 MB each, do not grow with events) | | | | | | | |")
        print(
            "| **pg_database_size** (less \(megabytes(emptySize)) before the events) "
                + "| \(megabytes(fullSize)) | | | | **\(megabytes((fullSize - emptySize) * perMillion))** "
                + "| \(megabytes(compactSize)) | \(megabytes((compactSize - emptySize) * perMillion)) |")

        let sqliteBytes = Double(fileSize(path))
        let walSize = FileManager.default.fileExists(atPath: path + "-wal") ? Double(fileSize(path + "-wal")) : 0
        print()
        print("SQLite: \(sqliteFill); status() \(grouped(sqliteStatus.micros(0.5) / 1_000)) ms (median of 3)")
        print()
        print("| SQLite table or index | size | per 10^6 events |")
        print("|---|---:|---:|")
        for (name, bytes) in sqliteObjects(path) where bytes > 1_000_000 {
            print("| \(name) | \(megabytes(bytes)) | \(megabytes(bytes * perMillion)) |")
        }
        print("| (other tables and indexes, under 1 MB each) | | |")
        print(
            "| **file** | \(megabytes(sqliteBytes)) (+ \(megabytes(walSize)) WAL left after close) "
                + "| **\(megabytes(sqliteBytes * perMillion))** |")
        print()
    }

    /// Commits the events to both ledgers in batches of 500 (each with its checkpoint; each batch is built once and
    /// committed to PostgreSQL, then to SQLite); returns the seconds of commits of each.
    private func commitBoth(
        _ postgres: PostgresLedger, _ sqlite: ShareLedger, _ factory: LedgerEventFactory
    ) throws -> (Double, Double) {
        var seconds = (postgres: 0.0, sqlite: 0.0)
        var first = 0
        while first < events {
            let size = min(500, events - first)
            let batch = factory.events(first, count: size, run: "size")
            first += size
            for (ledger, isPostgres) in [(postgres as any LedgerStore, true), (sqlite, false)] {
                let start = monotonicSeconds()
                let result = try ledger.commit(
                    events: batch, checkpoint: LedgerBench.checkpoint(first), for: "imap:alice/Sent", now: Date())
                let elapsed = monotonicSeconds() - start
                if isPostgres { seconds.postgres += elapsed } else { seconds.sqlite += elapsed }
                guard result.inserted.count == size else { throw BenchFailure("size: ids were already known") }
            }
        }
        return (seconds.postgres, seconds.sqlite)
    }

    private func commitText(_ seconds: Double) -> String {
        "committed in \(format(seconds, 1)) s (\(grouped(Double(events) / seconds)) events/s in commits of 500), "
    }

    /// Claims (500 at a time) and records every event delivered, in this process; says how long it took.
    private func deliver(_ ledger: any LedgerStore) throws -> String {
        let start = monotonicSeconds()
        var delivered = 0
        while true {
            let claimed = try ledger.claimDue(now: Date(), limit: 500)
            if claimed.isEmpty { break }
            for event in claimed {
                let now = Date()
                _ = try ledger.record(
                    eventId: event.eventId, claimToken: event.claimToken, LedgerBench.delivered(event, now: now),
                    now: now)
            }
            delivered += claimed.count
        }
        let seconds = monotonicSeconds() - start
        guard delivered == events else { throw BenchFailure("delivered \(delivered) of \(events) events") }
        return "claimed and recorded delivered in \(format(seconds, 1)) s "
            + "(\(grouped(Double(events) / seconds)) events/s, one process)"
    }

    /// The same with 4 claim worker processes (only to fill faster: the sizes do not depend on it).
    private func deliverPostgres() throws -> String {
        let start = monotonicSeconds()
        let results = try LedgerWorker.spawn(
            (0..<4).map { index in
                [
                    "ledger-worker", "claim", "--url", url, "--team", "size", "--seconds", "3600", "--limit", "100",
                    "--ids", "\(work)/size-\(index).ids",
                ]
            })
        let seconds = monotonicSeconds() - start
        let claimed = Int(results.reduce(0) { $0 + ($1["claimed"] ?? 0) })
        let ids = try (0..<4).flatMap { index in
            try String(contentsOfFile: "\(work)/size-\(index).ids", encoding: .utf8).split(separator: "\n")
        }
        let distinct = Set(ids).count
        guard distinct == events else { throw BenchFailure("delivered \(distinct) of \(events) events") }
        let twice = claimed - distinct
        return "claimed and recorded delivered in \(format(seconds, 1)) s "
            + "(\(grouped(Double(events) / seconds)) events/s, 4 worker processes"
            + (twice > 0 ? "; \(twice) events claimed twice, so as many extra attempt rows)" : ")")
    }

    private func vacuum() throws {
        _ = try LedgerBench.query(url, "VACUUM ANALYZE")
        _ = try LedgerBench.query(url, "CHECKPOINT")
    }

    /// Every `sd_` table's total size (heap, TOAST and indexes) and its parts, largest first.
    private func tableSizes() throws -> [PostgresRow] {
        try LedgerBench.query(
            url,
            """
            SELECT c.relname AS name, pg_total_relation_size(c.oid) AS total, pg_relation_size(c.oid) AS heap,
                pg_indexes_size(c.oid) AS indexes,
                COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0) AS toast
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname = current_schema() AND c.relname LIKE 'sd\\_%'
            ORDER BY pg_total_relation_size(c.oid) DESC
            """)
    }

    private func databaseSize() throws -> Double {
        try LedgerBench.query(url, "SELECT pg_database_size(current_database()) AS size").first?.double("size") ?? 0
    }

    /// Bytes per table and index of the SQLite file, largest first (`sqlite3`'s `dbstat`; empty without it).
    private func sqliteObjects(_ path: String) -> [(String, Double)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [
            "-readonly", path, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY SUM(pgsize) DESC",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return [] }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "|")
            guard parts.count == 2, let bytes = Double(parts[1]) else { return nil }
            return (String(parts[0]), bytes)
        }
    }
}
