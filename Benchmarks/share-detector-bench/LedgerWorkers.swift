import Foundation
import ShareLedger

/// The loops one worker process runs against the PostgreSQL ledger, each ending in one `key=value` line.
///
/// Workers connect first, then wait for `--start-at` (Unix seconds, the same for every worker of a run), so process
/// start-up and connection set-up are outside the measured time.
enum LedgerWorker {
    /// Claims up to `--limit` due events and records each delivered (one attempt, HTTP 200), until the outbox is
    /// empty or `--seconds` have passed; writes every claimed id to `--ids`, one a line.
    static func claim(_ options: LedgerOptions) throws {
        let ledger = try LedgerBench.postgres(options.string("url"), team: options.string("team"))
        let limit = options.int("limit", 10)
        let late = try waitForStart(options, warmUp: ledger)
        let deadline = monotonicSeconds() + options.double("seconds", 5) - late
        let start = monotonicSeconds()
        var ids: [String] = []
        var claims = 0
        var superseded = 0
        var claimSeconds = 0.0
        var recordSeconds = 0.0
        while monotonicSeconds() < deadline {
            let before = monotonicSeconds()
            let batch = try ledger.claimDue(now: Date(), limit: limit)
            claimSeconds += monotonicSeconds() - before
            if batch.isEmpty { break }
            claims += 1
            for claimed in batch {
                let now = Date()
                let recordStart = monotonicSeconds()
                let result = try ledger.record(
                    eventId: claimed.eventId, claimToken: claimed.claimToken, LedgerBench.delivered(claimed, now: now),
                    now: now)
                recordSeconds += monotonicSeconds() - recordStart
                if case .superseded = result { superseded += 1 }
                ids.append(claimed.eventId)
            }
        }
        let elapsed = monotonicSeconds() - start + late
        let idsText = ids.joined(separator: "\n") + (ids.isEmpty ? "" : "\n")
        try idsText.write(toFile: options.string("ids"), atomically: true, encoding: .utf8)
        print(
            "claimed=\(ids.count) claims=\(claims) superseded=\(superseded) elapsed=\(format(elapsed, 4)) "
                + "late=\(format(late, 4)) claim_s=\(format(claimSeconds, 4)) record_s=\(format(recordSeconds, 4))")
    }

    /// Acquires `--mailbox` (60 s lease) and releases it, again and again, for `--seconds`; counts round trips, and
    /// the attempts that found another holder's lease (`heldBy`, only on a shared mailbox).
    static func lease(_ options: LedgerOptions) throws {
        let ledger = try LedgerBench.postgres(options.string("url"), team: options.string("team"))
        let mailbox = options.string("mailbox")
        let holder = LeaseHolder.current
        let late = try waitForStart(options, warmUp: ledger)
        let seconds = options.double("seconds", 5)
        let deadline = monotonicSeconds() + seconds - late
        let start = monotonicSeconds()
        var acquired = 0
        var heldBy = 0
        var perSecond = [Int](repeating: 0, count: Int(seconds.rounded(.up)) + 1)
        while monotonicSeconds() < deadline {
            switch try ledger.acquireLease(mailbox: mailbox, holder: holder, duration: 60) {
            case .acquired(let lease):
                try ledger.releaseLease(lease)
                acquired += 1
                perSecond[min(perSecond.count - 1, Int(monotonicSeconds() - start + late))] += 1
            case .heldBy:
                heldBy += 1
            }
        }
        let elapsed = monotonicSeconds() - start + late
        let whole = max(1, Int(elapsed))
        print(
            "acquired=\(acquired) held=\(heldBy) elapsed=\(format(elapsed, 4)) late=\(format(late, 4)) "
                + "first_s=\(perSecond[0]) last_s=\(perSecond[whole - 1])")
    }

    /// Connects (one query), then sleeps until `--start-at` (when given); returns how late the worker was (0 when on
    /// time).
    private static func waitForStart(_ options: LedgerOptions, warmUp ledger: PostgresLedger) throws -> Double {
        _ = try ledger.checkpoint(for: "warm-up")
        let startAt = options.double("start-at", 0)
        guard startAt > 0 else { return 0 }
        let wait = startAt - Date().timeIntervalSince1970
        if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
        return max(0, -wait)
    }

    /// Runs this binary once per argument list, all at once, and returns each one's last stdout line, parsed.
    static func spawn(_ argumentLists: [[String]]) throws -> [[String: Double]] {
        let executable = URL(
            fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        var running: [(Process, Pipe)] = []
        for arguments in argumentLists {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            running.append((process, pipe))
        }
        return try running.map { process, pipe in
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            guard process.terminationStatus == 0 else {
                throw BenchFailure("a worker exited with \(process.terminationStatus): \(line)")
            }
            var values: [String: Double] = [:]
            for pair in line.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { values[String(parts[0])] = Double(parts[1]) }
            }
            return values
        }
    }
}

/// A benchmark step that went wrong.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Outbox claims with 1, 4, 16 worker processes: each run pre-loads its own team's outbox, then every worker claims
/// (`claimDue`, `FOR UPDATE SKIP LOCKED`) and records each claimed event delivered until the outbox is empty or time
/// is up. The union of the claimed ids is checked for duplicates, and the database for one delivered row and one
/// attempt per claimed id.
struct ClaimsBench {
    let url: String
    let events: Int
    let processes: [Int]
    let seconds: Double
    let limit: Int
    let work: String
    let label: String
    /// Whether to add an index in claim order before the runs (an experiment: the schema has none).
    let claimIndex: Bool

    init(_ options: LedgerOptions) {
        url = options.string("url")
        claimIndex = options.int("claim-index", 0) != 0
        events = options.int("events", 20_000)
        processes = options.ints("processes", [1, 4, 16])
        seconds = options.double("seconds", 10)
        limit = options.int("limit", 10)
        work = options.string("work")
        label = options.string("label", "durable")
    }

    func run() throws {
        print("claims (\(label)): \(try LedgerBench.serverSettings(url))")
        if claimIndex {
            _ = try LedgerBench.postgres(url, team: "claims", migrate: true)
            _ = try LedgerBench.query(
                url,
                """
                CREATE INDEX IF NOT EXISTS bench_outbox_claim_order
                ON sd_outbox (team, (COALESCE(next_attempt_at, created_at)), seq) WHERE state <> 'delivered'
                """)
            print(
                "with the experimental index bench_outbox_claim_order "
                    + "(team, COALESCE(next_attempt_at, created_at), seq)")
        }
        let factory = LedgerEventFactory()
        var rows: [String] = []
        var checks: [String] = []
        for count in processes {
            let team = "claims-\(label)-\(count)"
            let ledger = try LedgerBench.postgres(url, team: team, migrate: true)
            let preload = try LedgerBench.preload(ledger, count: events, run: team, factory: factory)
            // Plans as in a ledger whose statistics cover the team (see the contract mode's unanalyzed case).
            _ = try LedgerBench.query(url, "ANALYZE sd_events, sd_outbox")
            let startAt = Date().timeIntervalSince1970 + 1 + 0.15 * Double(count)
            let results = try LedgerWorker.spawn(
                (0..<count).map { index in
                    [
                        "ledger-worker", "claim", "--url", url, "--team", team, "--seconds", String(seconds),
                        "--limit", String(limit), "--start-at", String(startAt), "--ids",
                        "\(work)/\(team)-\(index).ids",
                    ]
                })
            let ids = try (0..<count).flatMap { index in
                try String(contentsOfFile: "\(work)/\(team)-\(index).ids", encoding: .utf8).split(separator: "\n")
            }
            let distinct = Set(ids).count
            let sum = { (key: String) in results.reduce(0) { $0 + ($1[key] ?? 0) } }
            let wall = results.map { $0["elapsed"] ?? 0 }.max() ?? 0
            let claims = sum("claims")
            let delivered =
                try LedgerBench.query(
                    url, "SELECT count(*) AS n FROM sd_outbox WHERE team = $1 AND state = 'delivered'", [team]
                ).first?.int("n") ?? -1
            let attempts =
                try LedgerBench.query(
                    url, "SELECT count(*) AS n FROM sd_attempts WHERE team = $1", [team]
                ).first?.int("n") ?? -1
            let claimMillis = claims > 0 ? sum("claim_s") / claims * 1_000 : 0
            let recordMillis = ids.isEmpty ? 0 : sum("record_s") / Double(ids.count) * 1_000
            rows.append(
                "| \(count) | \(grouped(Double(ids.count))) of \(grouped(Double(events))) | \(format(wall, 2)) s | "
                    + "**\(grouped(Double(ids.count) / wall))** | \(grouped(claims / wall)) | "
                    + "\(format(claimMillis, 2)) ms | \(format(recordMillis, 2)) ms | "
                    + "\(grouped((claims + Double(ids.count)) / wall)) | \(ids.count - distinct) |")
            let late = results.map { $0["late"] ?? 0 }.max() ?? 0
            checks.append(
                "check \(count) process(es): \(ids.count) ids claimed, \(distinct) distinct, "
                    + "\(ids.count - distinct) claimed twice (\(ids.count == distinct ? "OK" : "FAILED")); "
                    + "\(delivered) delivered rows and \(attempts) attempts in the database "
                    + "(\(delivered == distinct && attempts == ids.count ? "OK" : "MISMATCH")); "
                    + "\(Int(sum("superseded"))) superseded records; pre-load of \(events) events took "
                    + "\(format(preload, 1)) s (\(grouped(Double(events) / preload)) events/s in commits of 500); "
                    + "latest worker start \(format(late * 1_000, 0)) ms after the common start; "
                    + "ANALYZE after the pre-load")
        }
        print()
        print(
            "| processes | events claimed | wall | claimed events/s | claim tx/s | mean claimDue | mean record "
                + "| transactions/s | claimed twice |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        rows.forEach { print($0) }
        print()
        checks.forEach { print($0) }
        print()
    }
}

/// Lease round trips with 1, 4, 16 worker processes: `acquireLease` + `releaseLease`, each process on its own
/// mailbox (`distinct`), then every process on the same one (`shared`).
struct LeasesBench {
    let url: String
    let processes: [Int]
    let seconds: Double
    let label: String

    init(_ options: LedgerOptions) {
        url = options.string("url")
        processes = options.ints("processes", [1, 4, 16])
        seconds = options.double("seconds", 5)
        label = options.string("label", "durable")
    }

    func run() throws {
        print("leases (\(label)): \(try LedgerBench.serverSettings(url))")
        _ = try LedgerBench.postgres(url, team: "leases", migrate: true)
        var rows: [String] = []
        for shared in [false, true] {
            for count in processes {
                let team = "leases-\(label)-\(shared ? "shared" : "distinct")-\(count)"
                let startAt = Date().timeIntervalSince1970 + 1 + 0.15 * Double(count)
                let results = try LedgerWorker.spawn(
                    (0..<count).map { index in
                        [
                            "ledger-worker", "lease", "--url", url, "--team", team, "--seconds", String(seconds),
                            "--mailbox", shared ? "shared" : "mailbox-\(index)", "--start-at", String(startAt),
                        ]
                    })
                let sum = { (key: String) in results.reduce(0) { $0 + ($1[key] ?? 0) } }
                let wall = results.map { $0["elapsed"] ?? 0 }.max() ?? 0
                let history =
                    try LedgerBench.query(
                        url, "SELECT count(*) AS n FROM sd_lease_history WHERE team = $1", [team]
                    ).first?.int("n") ?? -1
                rows.append(
                    "| \(shared ? "one shared" : "one per process") | \(count) "
                        + "| **\(grouped(sum("acquired") / wall))** | \(grouped(sum("held") / wall)) "
                        + "| \(grouped(sum("first_s"))) / \(grouped(sum("last_s"))) | \(grouped(Double(history))) |")
            }
        }
        print()
        print(
            "| mailboxes | processes | acquire+release round trips/s | acquires refused (held by another)/s "
                + "| round trips in the first / last second | lease history rows after |")
        print("|---|---:|---:|---:|---:|---:|")
        rows.forEach { print($0) }
        print()
    }
}
