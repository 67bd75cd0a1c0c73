// The shared-ledger benchmark ("Many scanners, one ledger"): the PostgreSQL ledger on loopback, several processes at
// once, against the SQLite ledger where one process can be compared. scripts/bench-ledger.sh starts the server and
// runs every mode; each prints markdown tables.
//
//   share-detector-bench ledger-claims   --url URL --events N --processes 1,4,16 --seconds S --limit L --work DIR
//                                        [--label NAME] [--claim-index 1]
//   share-detector-bench ledger-leases   --url URL --processes 1,4,16 --seconds S [--label NAME]
//   share-detector-bench ledger-contract --url URL --work DIR [--label NAME] [--batches 50]
//   share-detector-bench ledger-size     --url URL --events N --work DIR
//   share-detector-bench ledger-worker   claim|lease …   (spawned by the modes above)
//
// URL is a libpq URL without a password (the benchmark's server trusts loopback); DIR takes the SQLite files and the
// claimed-id lists.
import Foundation
import ShareLedger

/// `--key value` options of a ledger mode.
struct LedgerOptions {
    private var values: [String: String] = [:]

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let key = iterator.next() {
            guard key.hasPrefix("--"), let value = iterator.next() else { fail("expected --key value, got \(key)") }
            values[String(key.dropFirst(2))] = value
        }
    }

    func string(_ key: String, _ fallback: String? = nil) -> String {
        guard let value = values[key] ?? fallback else { fail("missing --\(key)") }
        return value
    }

    func int(_ key: String, _ fallback: Int) -> Int {
        guard let text = values[key] else { return fallback }
        guard let value = Int(text) else { fail("--\(key) \(text): not a number") }
        return value
    }

    func double(_ key: String, _ fallback: Double) -> Double {
        guard let text = values[key] else { return fallback }
        guard let value = Double(text) else { fail("--\(key) \(text): not a number") }
        return value
    }

    func ints(_ key: String, _ fallback: [Int]) -> [Int] {
        guard let text = values[key] else { return fallback }
        return text.split(separator: ",").map { part in
            guard let value = Int(part) else { fail("--\(key) \(text): not a list of numbers") }
            return value
        }
    }
}

/// The entry point of the `ledger-…` modes.
enum LedgerBench {
    /// Runs `arguments` (`[mode, --key, value, …]`).
    static func run(_ arguments: [String]) {
        let options = LedgerOptions(arguments.dropFirst(arguments.first == "ledger-worker" ? 2 : 1))
        do {
            switch arguments.first {
            case "ledger-claims": try ClaimsBench(options).run()
            case "ledger-leases": try LeasesBench(options).run()
            case "ledger-contract": try ContractBench(options).run()
            case "ledger-size": try SizeBench(options).run()
            case "ledger-worker":
                switch arguments.dropFirst().first {
                case "claim": try LedgerWorker.claim(options)
                case "lease": try LedgerWorker.lease(options)
                default: fail("usage: share-detector-bench ledger-worker claim|lease --url URL …")
                }
            default: fail("unknown ledger mode \(arguments.first ?? "")")
            }
        } catch {
            fail("\(arguments.first ?? "ledger"): \(error)")
        }
    }

    /// A PostgreSQL ledger of `team` at `url` (no password: the benchmark's server trusts loopback).
    static func postgres(_ url: String, team: String, migrate: Bool = false) throws -> PostgresLedger {
        try PostgresLedger(url: url, password: nil, team: team, migrate: migrate)
    }

    /// A checkpoint as an IMAP scan commits it with its batch.
    static func checkpoint(_ lastUID: Int) -> Checkpoint {
        .imap(IMAPCheckpoint(uidValidity: 1_700_000_000, lastUID: UInt32(truncatingIfNeeded: lastUID)))
    }

    /// What a sender records when Gong accepted the claimed event: delivered, with one attempt (HTTP 200).
    static func delivered(_ claim: ClaimedEvent, now: Date) -> OutboxUpdate {
        let requestId = "bench-" + claim.eventId.suffix(12)
        return OutboxUpdate(
            state: .delivered, attempts: claim.attempt, gongRequestId: requestId, lastStatus: 200,
            attempt: AttemptEntry(at: now, status: 200, gongRequestId: requestId, error: nil, api: claim.api))
    }

    /// Commits `count` realistic events in batches of `batch` (each with the checkpoint that follows it); returns the
    /// seconds the commits took (building the events is not counted).
    @discardableResult
    static func preload(
        _ ledger: any LedgerStore, count: Int, batch: Int = 500, run: String, factory: LedgerEventFactory
    ) throws -> Double {
        var seconds = 0.0
        var first = 0
        while first < count {
            let size = min(batch, count - first)
            let events = factory.events(first, count: size, run: run)
            let start = monotonicSeconds()
            let result = try ledger.commit(
                events: events, checkpoint: checkpoint(first + size), for: "imap:alice/Sent", now: Date())
            seconds += monotonicSeconds() - start
            guard result.inserted.count == size else { fail("preload: \(result.alreadyKnown.count) ids were known") }
            first += size
        }
        return seconds
    }

    /// Runs a query on a direct connection (VACUUM, sizes, counts): the ledger's own pool is not reachable.
    static func query(_ url: String, _ sql: String, _ parameters: [String?] = []) throws -> [PostgresRow] {
        let connection = try PostgresConnection(url: url, password: nil)
        return try connection.execute(sql, parameters).rows
    }

    /// The server settings that decide the figures, one line.
    static func serverSettings(_ url: String) throws -> String {
        let names = ["server_version", "fsync", "synchronous_commit", "wal_sync_method", "shared_buffers"]
        return try names.map { name in
            "\(name)=\(try query(url, "SHOW \(name)").first?[name] ?? "?")"
        }.joined(separator: " ")
    }
}

/// Timing of repeated operations: the count, the wall time and the latency of each.
struct Timings {
    var samples: [Double] = []
    var seconds = 0.0

    /// Operations per second over the wall time.
    var perSecond: Double { seconds > 0 ? Double(samples.count) / seconds : 0 }

    /// The latency at `fraction` (0.5 = median), in microseconds.
    func micros(_ fraction: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] * 1e6
    }

    /// The mean latency in microseconds.
    var meanMicros: Double { samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count) * 1e6 }

    /// Times `body` `count` times, or until `seconds` have passed when `count` is nil.
    static func measure(count: Int? = nil, seconds limit: Double = 3, _ body: () throws -> Void) rethrows -> Timings {
        var timings = Timings()
        let start = monotonicSeconds()
        var index = 0
        while count.map({ index < $0 }) ?? (monotonicSeconds() - start < limit) {
            let before = monotonicSeconds()
            try body()
            timings.samples.append(monotonicSeconds() - before)
            index += 1
        }
        timings.seconds = monotonicSeconds() - start
        return timings
    }
}

/// Thousands separators for figures in tables.
func grouped(_ value: Double, _ decimals: Int = 0) -> String {
    let formatter = NumberFormatter()
    formatter.numberStyle = .decimal
    formatter.minimumFractionDigits = decimals
    formatter.maximumFractionDigits = decimals
    formatter.usesGroupingSeparator = true
    formatter.groupingSeparator = ","
    formatter.decimalSeparator = "."
    return formatter.string(from: NSNumber(value: value)) ?? format(value, decimals)
}

/// Bytes as MB (10^6) with one decimal.
func megabytes(_ bytes: Double) -> String {
    format(bytes / 1e6, 1) + " MB"
}
