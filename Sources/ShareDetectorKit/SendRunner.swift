import Foundation
import Logging
import ShareLedger

/// Runs `send`: delivers the ledger's due events under the run lock.
public struct SendRunner {
    /// The team config.
    public var config: TeamConfig
    /// Seconds to wait for the lock.
    public var lockTimeout: TimeInterval
    /// Where the causes of undone work and dead letters are reported.
    public var diagnostics: OutputSink
    /// Where to write the run's Prometheus metrics, if anywhere.
    public var metricsFile: String?

    /// Creates a runner.
    public init(config: TeamConfig, lockTimeout: TimeInterval, diagnostics: OutputSink, metricsFile: String? = nil) {
        self.config = config
        self.lockTimeout = lockTimeout
        self.diagnostics = diagnostics
        self.metricsFile = metricsFile
    }

    /// Delivers what is due; prints one line per cause of undone work on `diagnostics` (always) and returns the
    /// summary, whose `exitCode` is the command's exit status (128 + the signal when interrupted).
    public func run() throws(RunFailure) -> DeliverySummary {
        let startedAt = Date()
        let session = try DeliverySession.open(
            config: config, lockTimeout: lockTimeout, create: false, diagnostics: diagnostics)
        defer { session.close() }
        let report = try session.deliver(using: try session.connectGong(), diagnostics: diagnostics)
        var summary = try session.summary(report: report)
        if RunInterruption.isRequested { summary.exitCode = RunInterruption.exitStatus }
        if let metricsFile {
            do {
                try summary.metrics(
                    command: "send", team: config.team, startedAt: startedAt, finishedAt: Date(),
                    exitCode: summary.exitCode
                ).write(to: metricsFile)
            } catch {
                summary.problems.append(error.message)
                summary.exitCode = max(summary.exitCode, 1)
            }
        }
        let level: Logger.Level = summary.exitCode >= 2 && summary.exitCode < 128 ? .error : .warning
        for problem in summary.problems {
            diagnostics.line("share-detector: \(problem)", level: level, metadata: ["team": "\(config.team)"])
        }
        return summary
    }
}
