import Foundation
import ShareLedger

/// Runs `send`: delivers the ledger's due events under the run lock.
public struct SendRunner {
    /// The team config.
    public var config: TeamConfig
    /// Seconds to wait for the lock.
    public var lockTimeout: TimeInterval
    /// Where dead letters are reported.
    public var diagnostics: OutputSink

    /// Creates a runner.
    public init(config: TeamConfig, lockTimeout: TimeInterval, diagnostics: OutputSink) {
        self.config = config
        self.lockTimeout = lockTimeout
        self.diagnostics = diagnostics
    }

    /// Delivers what is due.
    public func run() throws(RunFailure) -> Deliverer.Report {
        guard FileManager.default.fileExists(atPath: config.statePath) else {
            throw RunFailure(exitCode: 1, message: "no ledger at \(config.statePath) yet: run scan first")
        }
        let ledger: ShareLedger
        do { ledger = try ShareLedger(path: config.statePath) } catch {
            throw RunFailure(exitCode: 2, message: "cannot open the ledger: \(error)")
        }
        let lock: RunLock
        do { lock = try ledger.lock(waitingUpTo: lockTimeout) } catch {
            throw RunFailure(exitCode: 1, message: "\(error)")
        }
        defer { lock.release() }
        let runner = ScanRunner(
            config: config, rules: .empty, options: ScanRunner.Options(), output: diagnostics, diagnostics: diagnostics)
        let client = try runner.makeClient()
        do {
            return try Deliverer(ledger: ledger, client: client, settings: config.gong, diagnostics: diagnostics).run()
        } catch {
            throw RunFailure(exitCode: 1, message: "delivery stopped: \(error)")
        }
    }
}
