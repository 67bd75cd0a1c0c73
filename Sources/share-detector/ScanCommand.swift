import ArgumentParser
import Foundation
import ShareDetection
import ShareDetectorKit

/// `--log-format` and `--log-level`, shared by the commands that run unattended.
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: "How diagnostics are written on standard error: text or json (one object a line).")
    var logFormat = "text"

    @Option(
        name: .long,
        help: "The lowest level written: trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard LogSettings.parse(format: logFormat, level: logLevel) != nil else {
            throw ValidationError(
                "--log-format takes text or json; --log-level takes "
                    + LogSettings.levelNames.joined(separator: ", "))
        }
    }

    /// The stderr sink these options describe.
    func diagnostics() -> OutputSink {
        OutputSink(descriptor: STDERR_FILENO, log: LogSettings.parse(format: logFormat, level: logLevel))
    }
}

/// `share-detector scan`: the scheduled job.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan every mailbox of a team config, record new events in the ledger and deliver them to Gong.",
        discussion: """
            Each mailbox is read from its checkpoint (mbox: file identity and byte offset; IMAP: UIDVALIDITY and \
            last UID), so a run picks up only what is new. Every event is written to the ledger before any send; a \
            checkpoint moves only after the events of the messages before it are recorded. Mailboxes are read \
            `concurrency` at once (default 4), and a sender delivers from the first committed event while the scan \
            goes on. Safe to run every few \
            minutes: on a SQLite ledger one run at a time (a second run waits --lock-timeout seconds, then exits \
            with 1); on a shared PostgreSQL ledger (state: postgresql://…) any number of scanners on any machines \
            split the mailboxes by lease (one being scanned elsewhere is left to that scanner) and share the Gong \
            account's pace (docs/postgresql.md). A crash at any point loses and duplicates nothing.

            mailboxSources (a CSV file of reps, Gong's users list) are read first: each person becomes an IMAP \
            mailbox with mailboxDefaults.imap. With imap.oauth2 the run gets its own access tokens (a Google \
            service account, a Microsoft 365 app, or a refresh token), one per identity, in memory only \
            (docs/google-workspace.md, docs/microsoft-365.md).

            Delivery stops early — leaving every event pending for the next run — when Gong answers 429 with a \
            pause longer than gong.maxWaitSeconds, fails or cannot be reached for several calls in a row, refuses \
            the credentials, or the daily budget is spent. Each cause is printed on standard error, also under \
            --quiet. SIGINT/SIGTERM: the call in flight finishes, what was read is committed, the lock is released, \
            and the run exits 130/143; a second signal exits at once.

            Exit status: 0 all went well; 1 something needs attention (skipped messages, dead letters, a mailbox \
            that could not be read, another run holding the lock, a 429 pause, the daily budget spent, an event \
            waiting longer than gong.alertAfterHours); 2 usage, config or rule error; 3 Gong (or an IMAP server) \
            refused the credentials, could not be reached or kept failing; 130/143 interrupted.
            """
    )

    @Option(name: .long, help: "The team config file.")
    var config: String

    @Flag(
        name: .long,
        help: """
            Print the events a scan would record now (from the checkpoints; IMAP, mbox and .eml alike) and change \
            nothing: no ledger writes, no sends, no flags. With --backfill: a shadow run over everything.
            """)
    var dryRun = false

    @Flag(
        name: .long,
        help: """
            JSON output: one object per mailbox, then one {"summary": …} object with delivery counts and every error \
            (with --dry-run: one object per event).
            """)
    var json = false

    @Flag(name: .long, help: "Print nothing but errors (for cron).")
    var quiet = false

    @Flag(
        name: .long,
        help:
            "Ignore checkpoints and the first-run window: read whole mailboxes again (events already recorded are not sent twice)."
    )
    var backfill = false

    @Option(name: .long, help: "Seconds to wait for another run on the same ledger to finish.")
    var lockTimeout: Double = 0

    @Option(
        name: .long,
        help: "Write the run's metrics here in Prometheus text format (atomically, at the end; for node_exporter).")
    var metricsFile: String?

    @Option(
        name: .long,
        help: """
            Mailboxes read at once (1–64), overriding the config's concurrency (default 4); at most \
            imap.maxConnectionsPerHost of them on one IMAP server.
            """)
    var concurrency: Int?

    @Option(
        name: .long,
        help: """
            Scan again and again, this long from start to start (30s, 5m, 1h), until SIGTERM or SIGINT: for a \
            container or a service. A failed pass is reported and the next one runs; a signal between passes \
            exits 0.
            """)
    var every: String?

    @OptionGroup var log: LogOptions

    func validate() throws {
        if let concurrency, !(1...64).contains(concurrency) {
            throw ValidationError("--concurrency takes a whole number from 1 to 64")
        }
        if let every, RepeatingRun.interval(every) == nil {
            throw ValidationError("--every takes a duration from 1s to 24h, e.g. 30s, 5m or 1h")
        }
        if every != nil, dryRun { throw ValidationError("--every and --dry-run do not go together") }
    }

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
        options.metricsFile = metricsFile
        options.concurrency = concurrency
        options.allowsProgress = log.logFormat.lowercased() == "text"
        let output = OutputSink()
        let diagnostics = log.diagnostics()
        defer {
            output.flush()
            diagnostics.flush()
        }
        RunInterruption.install()
        let pass = { () -> Int32 in
            do throws(RunFailure) {
                // mailboxSources (a CSV of reps, Gong's users list) become mailboxes before anything is read.
                let resolved = try MailboxDirectory.resolve(teamConfig)
                let summary = try ScanRunner(
                    config: resolved, rules: rules, options: options, output: output, diagnostics: diagnostics
                ).run()
                return summary.exitCode
            } catch {
                diagnostics.line("share-detector: \(error.message)")
                return error.exitCode
            }
        }
        let status =
            if let every, let interval = RepeatingRun.interval(every) {
                RepeatingRun.run(every: interval, diagnostics: diagnostics) {
                    let status = pass()
                    output.flush()
                    diagnostics.flush()
                    return status
                }
            } else {
                pass()
            }
        if status != 0 { throw ExitCode(status) }
    }
}

/// `share-detector send`: delivers what is pending.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Deliver the events pending in the ledger (scan does this too).",
        discussion: """
            Prints one summary line whose counts agree with `status`, and on standard error one line per cause of \
            undone work (also under --quiet). Exit status as for scan: 1 dead letters, a 429 pause, the daily \
            budget spent or an event waiting longer than gong.alertAfterHours; 3 Gong refused the credentials, \
            could not be reached or kept failing; 130/143 interrupted.
            """
    )

    @Option(name: .long, help: "The team config file.")
    var config: String

    @Option(name: .long, help: "Seconds to wait for another run on the same ledger to finish.")
    var lockTimeout: Double = 0

    @Flag(name: .long, help: "Print nothing but the causes of undone work (for cron).")
    var quiet = false

    @Flag(name: .long, help: "Print the summary as one JSON object.")
    var json = false

    @Option(
        name: .long,
        help: "Write the run's metrics here in Prometheus text format (atomically, at the end; for node_exporter).")
    var metricsFile: String?

    @OptionGroup var log: LogOptions

    func run() throws {
        let teamConfig = try loadConfig(config)
        let output = OutputSink()
        let diagnostics = log.diagnostics()
        defer {
            output.flush()
            diagnostics.flush()
        }
        RunInterruption.install()
        do {
            let summary = try SendRunner(
                config: MailboxDirectory.resolveForDelivery(teamConfig, diagnostics: diagnostics),
                lockTimeout: lockTimeout, diagnostics: diagnostics, metricsFile: metricsFile
            ).run()
            if json {
                output.line(bytes: (try? ScanRunner.encoder.encode(summary)) ?? Data())
            } else if !quiet {
                output.line(summary.line)
            }
            if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
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
            "Show checkpoints, event counts, every event not delivered and why, and the Gong account's quota and pause.",
        discussion: """
            Each pending, retrying or dead event is named with its Message-ID, mailbox, subject, contentId, Gong's \
            last answer and requestId, and its age. Exit status: 0; 1 when an event has waited longer than \
            gong.alertAfterHours or dead letters wait for `share-detector requeue`; 2 config or ledger error; 3 a \
            PostgreSQL ledger that cannot be reached or refuses the login.
            """
    )

    @Option(name: .long, help: "The team config file.")
    var config: String

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @Flag(
        name: .long,
        help: "With a shared PostgreSQL ledger: add every team in the database (event counts and mailbox leases).")
    var allTeams = false

    func run() throws {
        let teamConfig = try loadConfig(config)
        let rendered: StatusReport.Rendered
        do { rendered = try StatusReport.render(config: teamConfig, json: json, allTeams: allTeams) } catch {
            FileHandle.standardError.write(Data("share-detector: \(error.message)\n".utf8))
            throw ExitCode(error.exitCode)
        }
        print(rendered.text)
        for problem in rendered.problems {
            FileHandle.standardError.write(Data("share-detector: \(problem)\n".utf8))
        }
        if rendered.exitCode != 0 { throw ExitCode(rendered.exitCode) }
    }
}
