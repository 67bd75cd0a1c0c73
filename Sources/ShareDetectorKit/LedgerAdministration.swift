import Foundation
import ShareLedger

/// `share-detector ledger …`: creating or upgrading a ledger's schema, and moving a team's SQLite ledger into the
/// shared PostgreSQL one.
public enum LedgerAdministration {
    /// Creates or upgrades the config's ledger schema; returns the line to print.
    public static func migrate(config: TeamConfig) throws(RunFailure) -> String {
        guard let ledger = try LedgerAccess.open(config, mode: .create) else {
            throw RunFailure(exitCode: 2, message: "cannot open the ledger at \(config.stateLocation)")
        }
        if let shared = ledger as? PostgresLedger {
            do {
                let versions = try shared.appliedVersions()
                return "ledger \(shared.location): schema version \(versions.last ?? 0) (this share-detector's: "
                    + "\(PostgresLedger.schemaVersion))"
            } catch {
                throw RunFailure(exitCode: 2, message: "cannot read the ledger's schema: \(error)")
            }
        }
        do {
            let applied = try (ledger as? ShareLedger)?.appliedMigrations() ?? []
            return "ledger \(ledger.location): schema \(applied.last ?? "none") (SQLite)"
        } catch {
            throw RunFailure(exitCode: 2, message: "cannot read the ledger's schema: \(error)")
        }
    }

    /// Moves the SQLite ledger at `sqlitePath` into the config's PostgreSQL ledger under the config's team, in one
    /// transaction; returns the line to print.
    public static func importSQLite(config: TeamConfig, from sqlitePath: String) throws(RunFailure) -> String {
        guard config.stateURL != nil else {
            throw RunFailure(
                exitCode: 2,
                message: "\(config.file): state is not a PostgreSQL URL: ledger import moves a SQLite ledger into "
                    + "a shared PostgreSQL one (state: postgresql://…)")
        }
        guard FileManager.default.fileExists(atPath: sqlitePath) else {
            throw RunFailure(exitCode: 2, message: "no ledger at \(sqlitePath)")
        }
        let source: ShareLedger
        do { source = try ShareLedger(path: sqlitePath) } catch {
            throw RunFailure(exitCode: 2, message: "cannot open \(sqlitePath): \(error)")
        }
        // No scan or send may change the SQLite ledger while it is copied.
        let lock: RunLock
        do { lock = try source.tryLock() } catch { throw RunFailure(exitCode: 1, message: "\(error)") }
        defer { lock.release() }
        guard let target = try LedgerAccess.open(config, mode: .create) as? PostgresLedger else {
            throw RunFailure(exitCode: 2, message: "cannot open the ledger at \(config.stateLocation)")
        }
        let summary: LedgerImportSummary
        do { summary = try target.importLedger(from: source) } catch {
            throw RunFailure(exitCode: 1, message: "nothing imported: \(error)")
        }
        return "imported into team \(config.team) at \(target.location): \(summary.events) events "
            + "(\(summary.delivered) delivered, never sent again), \(summary.alreadyThere) already there, "
            + "\(summary.checkpoints) checkpoints"
    }
}

/// `scan --every`: the scan run again and again, for a container or a service.
public enum RepeatingRun {
    /// Parses `30s`, `5m`, `1h` or a number of seconds (at least 1 s, at most a day).
    public static func interval(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600)]
        var value: Double?
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            if let number = Double(trimmed.dropLast(suffix.count)) {
                value = number * scale
                break
            }
        }
        if value == nil { value = Double(trimmed) }
        guard let seconds = value, seconds >= 1, seconds <= 86_400 else { return nil }
        return seconds
    }

    /// Runs `pass` now and then every `interval` seconds (start to start; a pass longer than that is followed at
    /// once), until SIGINT or SIGTERM. A pass that fails is said on stderr by the pass and the loop goes on: the
    /// next pass may succeed (a server back, a lease freed). Returns 0 when a signal came between passes (a clean
    /// stop), else the interrupted pass's status (130/143).
    public static func run(every interval: TimeInterval, diagnostics: OutputSink, pass: () -> Int32) -> Int32 {
        while true {
            let started = Date()
            let status = pass()
            if RunInterruption.isRequested { return status == 0 ? 0 : status }
            let next = started.addingTimeInterval(interval)
            diagnostics.line(
                "share-detector: next scan at \(StatusReport.iso(next)) (pass exit status \(status))", level: .debug)
            while Date() < next {
                if RunInterruption.isRequested { return 0 }
                Thread.sleep(forTimeInterval: min(0.2, max(0, next.timeIntervalSinceNow)))
            }
            if RunInterruption.isRequested { return 0 }
        }
    }
}
