import Foundation
import GongEngagement
import ShareLedger

#if canImport(Glibc)
    import Glibc
#endif

/// The metrics of one `scan` or `send` run in Prometheus' text format, for node_exporter's textfile collector
/// (`--metrics-file /var/lib/node_exporter/textfile/share-detector-emea.prom`).
///
/// Every series carries `team`; the file is replaced atomically (written beside it, then renamed) at the end of
/// each run, so the collector never reads half a file. Holds counts and times only: never a secret, an address or
/// a subject.
public struct RunMetrics: Sendable {
    /// `scan` or `send`.
    public var command: String
    /// The team config's `team`.
    public var team: String
    /// When the run ended.
    public var finishedAt: Date
    /// Wall time of the run, in seconds.
    public var durationSeconds: Double
    /// The run's exit status.
    public var exitCode: Int32
    /// Messages read / parsed / skipped, shares found and events new to the ledger (scan only).
    public var messages: (fetched: Int, parsed: Int, skipped: Int, shares: Int, newEvents: Int)?
    /// Gong's answers in this run, by status or transport failure.
    public var answers: [String: Int]
    /// Calls made in this run.
    public var calls: Int
    /// Events in the ledger by state, after the run.
    public var events: [DeliveryState.Name: Int]
    /// Age of the oldest event waiting for delivery, in seconds (0 when none waits).
    public var oldestWaitingSeconds: Double

    /// Creates metrics.
    public init(
        command: String, team: String, finishedAt: Date, durationSeconds: Double, exitCode: Int32,
        messages: (fetched: Int, parsed: Int, skipped: Int, shares: Int, newEvents: Int)?, answers: [String: Int],
        calls: Int, events: [DeliveryState.Name: Int], oldestWaitingSeconds: Double
    ) {
        self.command = command
        self.team = team
        self.finishedAt = finishedAt
        self.durationSeconds = durationSeconds
        self.exitCode = exitCode
        self.messages = messages
        self.answers = answers
        self.calls = calls
        self.events = events
        self.oldestWaitingSeconds = oldestWaitingSeconds
    }

    /// The exposition text (`# HELP`, `# TYPE`, then the samples), sorted for stable output.
    public func render() -> String {
        var out = ""
        let team = "team=\"\(Self.escape(self.team))\""
        let labels = "\(team),command=\"\(command)\""
        func gauge(_ name: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP share_detector_\(name) \(help)\n# TYPE share_detector_\(name) gauge\n"
            for (extra, value) in samples {
                let all = extra.isEmpty ? labels : "\(labels),\(extra)"
                out += "share_detector_\(name){\(all)} \(Self.number(value))\n"
            }
        }
        gauge(
            "last_run_timestamp_seconds", "When the last run ended (Unix time).",
            [("", finishedAt.timeIntervalSince1970)])
        gauge("last_run_duration_seconds", "Wall time of the last run.", [("", durationSeconds)])
        gauge(
            "last_run_exit_code", "Exit status of the last run (0 ok, 1 attention, 2 config, 3 Gong/IMAP).",
            [("", Double(exitCode))])
        if let messages {
            gauge(
                "last_run_messages", "Messages of the last scan, by outcome.",
                [
                    ("outcome=\"fetched\"", Double(messages.fetched)), ("outcome=\"parsed\"", Double(messages.parsed)),
                    ("outcome=\"skipped\"", Double(messages.skipped)),
                ])
            gauge("last_run_shares", "Shares found by the last scan.", [("", Double(messages.shares))])
            gauge(
                "last_run_new_events", "Events new to the ledger in the last scan.", [("", Double(messages.newEvents))])
        }
        gauge("last_run_gong_calls", "Calls made to Gong by the last run.", [("", Double(calls))])
        gauge(
            "last_run_gong_answers", "Gong's answers in the last run, by HTTP status or transport failure.",
            answers.sorted { $0.key < $1.key }.map { ("status=\"\(Self.escape($0.key))\"", Double($0.value)) })
        gauge(
            "events", "Events in the ledger after the last run, by delivery state.",
            DeliveryState.Name.allCases.map { ("state=\"\($0.rawValue)\"", Double(events[$0] ?? 0)) })
        gauge(
            "oldest_waiting_seconds", "Age of the oldest event waiting for delivery (0 when none waits).",
            [("", oldestWaitingSeconds)])
        return out
    }

    /// Writes the text to `path` atomically: a temporary file beside it (mode 0644), then `rename`.
    public func write(to path: String) throws(RunFailure) {
        let temporary = path + ".tmp-\(getpid())"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(render().utf8), attributes: [.posixPermissions: 0o644])
        else {
            throw RunFailure(exitCode: 1, message: "cannot write the metrics file \(path)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw RunFailure(exitCode: 1, message: "cannot write the metrics file \(path): \(reason)")
        }
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
