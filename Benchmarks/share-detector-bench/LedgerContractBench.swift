import Foundation
import ShareLedger

/// The ledger contract's operations side by side in one process, one backend after the other: the SQLite
/// ``ShareLedger`` with ``GongAccountState``, and ``PostgresLedger`` with its account state. Both get the same events.
struct ContractBench {
    let url: String
    let work: String
    let label: String
    let batches: Int

    init(_ options: LedgerOptions) {
        url = options.string("url")
        work = options.string("work")
        label = options.string("label", "durable")
        batches = options.int("batches", 50)
    }

    /// One backend's figures, by operation.
    typealias Figures = [String: Timings]

    /// The operations, in table order, with what each one is.
    static let operations: [(key: String, name: String)] = [
        ("commit", "commit 100 events + checkpoint (one transaction)"),
        ("claim", "claimDue(limit: 10)"),
        ("record", "record(delivered, with its attempt)"),
        ("status-pending", "status() (5,000 pending events)"),
        ("status", "status() (5,000 delivered events)"),
        ("reserve", "reserveCallSlot (callsPerSecond 1,000,000)"),
        ("lease", "acquireLease + releaseLease (one mailbox)"),
    ]

    func run() throws {
        print("contract (\(label)): \(try LedgerBench.serverSettings(url))")
        let factory = LedgerEventFactory()
        let prepared = (0..<batches).map { factory.events($0 * 100, count: 100, run: "contract") }
        let sqlite = try ShareLedger(path: "\(work)/contract-\(label).sqlite")
        let sqliteAccount = try GongAccountState(path: "\(work)/accounts-\(label).sqlite", accountKey: "bench")
        let sqliteFigures = try measure(sqlite, sqliteAccount, prepared)
        let postgres = try LedgerBench.postgres(url, team: "contract-\(label)", migrate: true)
        let postgresFigures = try measure(
            postgres, postgres.accountState(accountKey: "bench-\(label)"), prepared,
            afterCommits: { _ = try LedgerBench.query(url, "ANALYZE sd_events, sd_outbox") })
        print()
        print(
            "| operation | SQLite ops/s | SQLite µs/op median (p99) | PostgreSQL ops/s "
                + "| PostgreSQL µs/op median (p99) | PostgreSQL / SQLite time |")
        print("|---|---:|---:|---:|---:|---:|")
        for (key, name) in Self.operations {
            guard let lite = sqliteFigures[key], let pg = postgresFigures[key] else { continue }
            print(
                "| \(name) | \(grouped(lite.perSecond)) | \(grouped(lite.micros(0.5))) (\(grouped(lite.micros(0.99)))) "
                    + "| \(grouped(pg.perSecond)) | \(grouped(pg.micros(0.5))) (\(grouped(pg.micros(0.99)))) "
                    + "| \(format(pg.meanMicros / max(lite.meanMicros, 0.001), 1))x |")
        }
        let events = Double(batches * 100)
        if let lite = sqliteFigures["commit"], let pg = postgresFigures["commit"] {
            print()
            print(
                "commit throughput: SQLite \(grouped(events / lite.seconds)) events/s, PostgreSQL "
                    + "\(grouped(events / pg.seconds)) events/s (\(batches) commits of 100)")
        }
        if let lite = sqliteFigures["claim"], let pg = postgresFigures["claim"],
            let liteRecord = sqliteFigures["record"], let pgRecord = postgresFigures["record"]
        {
            print(
                "claim + record of all \(Int(events)) events, one process: SQLite "
                    + "\(grouped(events / (lite.seconds + liteRecord.seconds))) events/s, PostgreSQL "
                    + "\(grouped(events / (pg.seconds + pgRecord.seconds))) events/s")
        }
        print(
            "(PostgreSQL: ANALYZE of sd_events and sd_outbox after the commits, untimed, so the plans are those of "
                + "a ledger whose statistics cover the team)")
        print()
        try staleStatistics(prepared)
    }

    /// PostgreSQL only: `claimDue` and `status()` for a team whose rows the planner's statistics do not cover yet (a
    /// new team in a shared database, or any burst of rows before autovacuum analyzes the tables), then the same after
    /// `ANALYZE`.
    private func staleStatistics(_ prepared: [[LedgerEvent]]) throws {
        let team = "contract-\(label)-unanalyzed"
        let ledger = try LedgerBench.postgres(url, team: team)
        _ = try LedgerBench.query(url, "ANALYZE sd_events, sd_outbox")
        let analyzedBefore = try lastAnalyzed()
        for (index, events) in prepared.enumerated() {
            try ledger.commit(
                events: events, checkpoint: LedgerBench.checkpoint((index + 1) * 100), for: "imap:bob/Sent",
                now: Date())
        }
        let staleClaims = try Timings.measure(count: 20) { _ = try ledger.claimDue(now: Date(), limit: 10) }
        let claimsStale = try lastAnalyzed() == analyzedBefore
        let staleStatus = try Timings.measure(count: 1) { _ = try ledger.status() }
        let statusStale = try lastAnalyzed() == analyzedBefore
        _ = try LedgerBench.query(url, "ANALYZE sd_events, sd_outbox")
        let freshClaims = try Timings.measure(count: 20) { _ = try ledger.claimDue(now: Date(), limit: 10) }
        let freshStatus = try Timings.measure(count: 3) { _ = try ledger.status() }
        let events = prepared.count * 100
        print("PostgreSQL, a new team's \(grouped(Double(events))) pending events, before and after ANALYZE:")
        print()
        print("| statistics | claimDue(limit: 10) µs median (p99) of 20 | status() ms |")
        print("|---|---:|---:|")
        print(
            "| not covering the team yet | \(grouped(staleClaims.micros(0.5))) (\(grouped(staleClaims.micros(0.99))))"
                + "\(claimsStale ? "" : " (autovacuum analyzed the tables meanwhile)") "
                + "| \(grouped(staleStatus.micros(0.5) / 1_000))"
                + "\(statusStale ? "" : " (autovacuum analyzed the tables during or before it)") |")
        print(
            "| after ANALYZE | \(grouped(freshClaims.micros(0.5))) (\(grouped(freshClaims.micros(0.99)))) "
                + "| \(grouped(freshStatus.micros(0.5) / 1_000)) (median of 3) |")
        print()
    }

    /// When autovacuum or ANALYZE last analyzed the outbox and event tables.
    private func lastAnalyzed() throws -> String {
        try LedgerBench.query(
            url,
            """
            SELECT string_agg(relname || ':' || COALESCE(last_autoanalyze::text, '-'), ' ' ORDER BY relname) AS at
            FROM pg_stat_user_tables WHERE relname IN ('sd_events', 'sd_outbox')
            """
        ).first?["at"] ?? ""
    }

    /// Runs every operation on one backend: the commits, status with everything pending, then claims until the
    /// outbox is empty (each claimed event recorded delivered), then status, pacing and leases for about 3 s each.
    private func measure(
        _ ledger: any LedgerStore, _ pace: any GongAccountPace, _ prepared: [[LedgerEvent]],
        afterCommits: () throws -> Void = {}
    ) throws -> Figures {
        var figures: Figures = [:]
        var batch = 0
        figures["commit"] = try Timings.measure(count: prepared.count) {
            let events = prepared[batch]
            batch += 1
            let result = try ledger.commit(
                events: events, checkpoint: LedgerBench.checkpoint(batch * 100), for: "imap:alice/Sent", now: Date())
            guard result.inserted.count == events.count else { throw BenchFailure("commit: ids were already known") }
        }
        try afterCommits()
        figures["status-pending"] = try Timings.measure(seconds: 3) {
            let status = try ledger.status()
            guard status.counts[.pending] == prepared.count * 100 else { throw BenchFailure("status: wrong count") }
        }
        var claims = Timings()
        var records = Timings()
        while true {
            let start = monotonicSeconds()
            let claimed = try ledger.claimDue(now: Date(), limit: 10)
            let claimEnd = monotonicSeconds()
            if claimed.isEmpty { break }
            claims.samples.append(claimEnd - start)
            claims.seconds += claimEnd - start
            for event in claimed {
                let now = Date()
                let before = monotonicSeconds()
                _ = try ledger.record(
                    eventId: event.eventId, claimToken: event.claimToken, LedgerBench.delivered(event, now: now),
                    now: now)
                records.samples.append(monotonicSeconds() - before)
                records.seconds += monotonicSeconds() - before
            }
        }
        guard records.samples.count == prepared.count * 100 else {
            throw BenchFailure("claimed \(records.samples.count) of \(prepared.count * 100) events")
        }
        figures["claim"] = claims
        figures["record"] = records
        figures["status"] = try Timings.measure(seconds: 3) {
            let status = try ledger.status()
            guard status.counts[.delivered] == prepared.count * 100 else { throw BenchFailure("status: wrong count") }
        }
        figures["reserve"] = try Timings.measure(seconds: 3) {
            let answer = try pace.reserveCallSlot(now: Date(), callsPerSecond: 1_000_000, callsPerDay: 1_000_000_000)
            guard answer == .go else { throw BenchFailure("reserveCallSlot answered \(answer)") }
        }
        let holder = LeaseHolder.current
        figures["lease"] = try Timings.measure(seconds: 3) {
            guard case .acquired(let lease) = try ledger.acquireLease(mailbox: "alice", holder: holder, duration: 60)
            else { throw BenchFailure("the lease was held by another") }
            try ledger.releaseLease(lease)
        }
        return figures
    }
}
