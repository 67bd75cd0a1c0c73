import ArgumentParser
import Foundation
import ShareDetection
import ShareDetectorKit

/// `share-detector requeue`: puts events back in the outbox, rebuilt with the current config.
struct RequeueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue",
        abstract: "Put dead (or waiting) events back in the outbox, rebuilt from the ledger with the current config.",
        discussion: """
            Each selected event is rebuilt from the detection record the ledger keeps (so a fixed gong.workspaceId, \
            sharer map or rule mapping applies), validated, and put back as pending; `send` or the next `scan` \
            delivers it. The eventId never changes, so a copy Gong already has is answered 409 and recorded as \
            delivered: a requeue never duplicates. Delivered events are never requeued. Each event's history \
            (Gong's errors, times, attempts) is kept. Name the events with at least one of --dead, --event or \
            --since (they combine: --dead --since 2026-12-01 requeues the dead letters recorded since that day).

            Exit status: 0 every selected event requeued; 1 some could not be (invalid after the rebuild, no \
            longer a share, unknown id) or another run holds the lock; 2 usage or config error.
            """
    )

    @Option(name: .long, help: "The team config file.")
    var config: String

    @Flag(name: .long, help: "Select dead letters.")
    var dead = false

    @Option(name: .customLong("event"), help: "Select this event id (repeatable).")
    var eventIds: [String] = []

    @Option(name: .long, help: "Select events recorded since this date (YYYY-MM-DD, UTC) or ISO 8601 time.")
    var since: String?

    @Flag(name: .long, help: "Show what would be requeued and change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @Option(name: .long, help: "Seconds to wait for another run on the same ledger to finish.")
    var lockTimeout: Double = 0

    @Flag(
        name: .long,
        help: """
            Move the --event events to the configured gong.api even when an earlier attempt may have reached Gong \
            under their old API (Gong may then show them twice): for when the old API refuses them for good.
            """)
    var moveApi = false

    func validate() throws {
        guard dead || !eventIds.isEmpty || since != nil else {
            throw ValidationError("say which events to requeue: --dead, --event ID or --since DATE")
        }
        if moveApi, eventIds.isEmpty || dead || since != nil {
            throw ValidationError("--move-api moves only events named with --event ID (not --dead or --since)")
        }
        if let since, RequeueRunner.Selection.parseDate(since) == nil {
            throw ValidationError("--since '\(since)' is not a date (YYYY-MM-DD) or an ISO 8601 time")
        }
    }

    func run() throws {
        let teamConfig = try loadConfig(config)
        let rules: RuleSet
        do { rules = try DetectionPipeline.loadRules(config: teamConfig, extraPaths: []) } catch {
            fail(error.description)
        }
        let selection = RequeueRunner.Selection(
            deadOnly: dead, eventIds: eventIds, since: since.flatMap { RequeueRunner.Selection.parseDate($0) })
        let output = OutputSink()
        let diagnostics = OutputSink(descriptor: STDERR_FILENO)
        defer {
            output.flush()
            diagnostics.flush()
        }
        let report: RequeueRunner.Report
        do {
            // Events are rebuilt with the current config: the sharers' Gong ids from mailboxSources included.
            report = try RequeueRunner(
                config: MailboxDirectory.resolve(teamConfig), rules: rules, selection: selection, dryRun: dryRun,
                lockTimeout: lockTimeout,
                moveBound: moveApi
            ).run()
        } catch {
            diagnostics.line("share-detector: \(error.message)")
            throw ExitCode(error.exitCode)
        }
        if json {
            output.line(bytes: (try? ScanRunner.encoder.encode(report)) ?? Data())
        } else {
            for item in report.items {
                let detail = item.problems.isEmpty ? "" : ": " + item.problems.joined(separator: "; ")
                output.line(
                    "\(item.outcome): \(item.eventId) (was \(item.previousState)"
                        + (item.rebuilt ? ", rebuilt with the current config" : ", stored body kept") + ")\(detail)")
            }
            output.line(
                "requeue: \(report.requeued) \(dryRun ? "would be requeued" : "requeued"), \(report.refused) refused"
                    + (report.notFound.isEmpty ? "" : ", \(report.notFound.count) not found or already delivered"))
        }
        for id in report.notFound {
            diagnostics.line("share-detector: requeue: \(id): no such undelivered event in the ledger")
        }
        for item in report.items where !item.problems.isEmpty {
            diagnostics.line(
                "share-detector: requeue: \(item.eventId) not requeued: " + item.problems.joined(separator: "; "))
        }
        if report.refused > 0 || !report.notFound.isEmpty { throw ExitCode(1) }
    }
}
