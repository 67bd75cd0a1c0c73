import ArgumentParser
import Foundation
import ShareDetection
import ShareDetectorKit

/// `share-detector scan`: the scheduled job.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan every mailbox of a team config, record new events in the ledger and deliver them to Gong.",
        discussion: """
            Each mailbox is read from its checkpoint (mbox: file identity and byte offset; IMAP: UIDVALIDITY and \
            last UID), so a run picks up only what is new. Every event is written to the ledger before any send; a \
            checkpoint moves only after the events of the messages before it are recorded. Safe to run every few \
            minutes: one run per ledger at a time (a second run waits --lock-timeout seconds, then exits with 1), \
            and a crash at any point loses and duplicates nothing.

            Exit status: 0 all went well; 1 something needs attention (skipped messages, dead events, a mailbox \
            that could not be read, another run holding the lock); 2 config or rule error; 3 Gong (or an IMAP \
            server) could not be reached or refused the credentials.
            """
    )

    @Option(name: .long, help: "The team config file.")
    var config: String

    @Flag(name: .long, help: "Print the events a scan would record and change nothing (no ledger writes, no sends).")
    var dryRun = false

    @Flag(name: .long, help: "JSON output: one object per mailbox summary (with --dry-run: one per event).")
    var json = false

    @Flag(name: .long, help: "Print nothing but errors (for cron).")
    var quiet = false

    @Flag(name: .long, help: "Ignore checkpoints and the first-run window: read whole mailboxes again.")
    var backfill = false

    @Option(name: .long, help: "Seconds to wait for another run on the same ledger to finish.")
    var lockTimeout: Double = 0

    func run() throws {
        let teamConfig = try loadConfig(config)
        let rules: RuleSet
        do { rules = try DetectionPipeline.loadRules(config: teamConfig, extraPaths: []) } catch {
            fail(error.description)
        }
        if !quiet {
            for warning in ConfigWarnings.check(teamConfig) {
                FileHandle.standardError.write(Data("share-detector: warning: \(warning)\n".utf8))
            }
        }
        var options = ScanRunner.Options()
        options.dryRun = dryRun
        options.json = json
        options.quiet = quiet
        options.backfill = backfill
        options.lockTimeout = lockTimeout
        let output = OutputSink()
        let diagnostics = OutputSink(descriptor: STDERR_FILENO)
        defer {
            output.flush()
            diagnostics.flush()
        }
        do {
            let summary = try ScanRunner(
                config: teamConfig, rules: rules, options: options, output: output, diagnostics: diagnostics
            ).run()
            if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
        } catch let failure as RunFailure {
            diagnostics.line("share-detector: \(failure.message)")
            throw ExitCode(failure.exitCode)
        }
    }
}

/// `share-detector send`: delivers what is pending.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Deliver the events pending in the ledger (scan does this too).",
        discussion: "Exit status as for scan: 1 when events went dead, 3 when Gong refused the credentials."
    )

    @Option(name: .long, help: "The team config file.")
    var config: String

    @Option(name: .long, help: "Seconds to wait for another run on the same ledger to finish.")
    var lockTimeout: Double = 0

    func run() throws {
        let teamConfig = try loadConfig(config)
        let output = OutputSink()
        let diagnostics = OutputSink(descriptor: STDERR_FILENO)
        defer {
            output.flush()
            diagnostics.flush()
        }
        do {
            let report = try SendRunner(config: teamConfig, lockTimeout: lockTimeout, diagnostics: diagnostics).run()
            output.line(
                "delivery: \(report.calls) calls, \(report.delivered) delivered, \(report.alreadyDelivered) already "
                    + "delivered, \(report.retrying) to retry, \(report.dead) dead")
            if let reason = report.stopReason {
                diagnostics.line("share-detector: delivery stopped: \(reason) (config \(teamConfig.file): gong)")
                throw ExitCode(3)
            }
            if report.calls > 0 && report.transportFailures == report.calls { throw ExitCode(3) }
            if report.dead > 0 || report.budgetExhausted { throw ExitCode(1) }
        } catch let failure as RunFailure {
            diagnostics.line("share-detector: \(failure.message)")
            throw ExitCode(failure.exitCode)
        }
    }
}

/// `share-detector status`: the ledger's state.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Show checkpoints per mailbox, events pending / delivered / dead, last errors and today's Gong quota use."
    )

    @Option(name: .long, help: "The team config file.")
    var config: String

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func run() throws {
        let teamConfig = try loadConfig(config)
        do {
            print(try StatusReport.render(config: teamConfig, json: json))
        } catch {
            FileHandle.standardError.write(Data("share-detector: \(error.message)\n".utf8))
            throw ExitCode(error.exitCode)
        }
    }
}
