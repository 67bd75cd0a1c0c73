import Foundation
import GongEngagement
import ShareLedger

/// What a delivery pass did and what it left, with the ledger's counts (so `scan` and `send` agree with
/// `status`), one line per cause of undone work, and the exit status.
public struct DeliverySummary: Sendable, Codable, Equatable {
    /// Calls made in this run.
    public var calls = 0
    /// Events delivered in this run (200).
    public var delivered = 0
    /// Events Gong already had (409), recorded as delivered in this run.
    public var alreadyDelivered = 0
    /// Events that went dead in this run (400).
    public var deadNow = 0
    /// In the ledger after the run: events waiting for delivery (pending + sending + retry).
    public var waiting = 0
    /// … of which never tried or put back (pending, and sending left by a crashed run).
    public var pending = 0
    /// … of which scheduled for a retry.
    public var retry = 0
    /// In the ledger after the run: dead letters (Gong answered 400), waiting for an operator's `requeue`.
    public var dead = 0
    /// Hours the oldest waiting event has waited, when one waits.
    public var oldestWaitingHours: Double?
    /// In the ledger after the run: events by delivery state (`pending`, `sending`, `retry`, `delivered`, `dead`).
    public var events: [String: Int] = [:]
    /// Gong's answers in this run, by HTTP status or transport failure.
    public var answers: [String: Int] = [:]
    /// The configured Gong API (`gong.api`).
    public var api = GongAPI.contentShared.rawValue
    /// Events whose body was rebuilt for the configured API in this run (after `gong.api` was switched).
    public var rebuiltForAPI = 0
    /// Events sent to the API they were recorded for, although another is configured: an earlier attempt may have
    /// reached Gong there, and Gong's deduplication is only known to work within one API.
    public var keptOnBoundAPI = 0
    /// Events kept on their recorded API that it refused in this run (401, 403, 404, 410); retried by later runs.
    public var refusedByBoundAPI = 0
    /// Why sending stopped early, one line, if it did.
    public var stoppedBecause: String?
    /// One line per cause of undone work: printed on standard error, also under `--quiet`.
    public var problems: [String] = []
    /// 0, 1 (attention) or 3 (Gong refused, unreachable or failing).
    public var exitCode: Int32 = 0

    /// Builds the summary of a pass (`report` is `nil` when none ran) from the ledger's `status` at `now`.
    public init(report: Deliverer.Report?, status: LedgerStatus, config: TeamConfig, now: Date) {
        api = config.gong.api.rawValue
        pending = (status.counts[.pending] ?? 0) + (status.counts[.sending] ?? 0)
        retry = status.counts[.retry] ?? 0
        waiting = status.waiting
        dead = status.counts[.dead] ?? 0
        for (state, count) in status.counts { events[state.rawValue] = count }
        oldestWaitingHours = status.oldestWaiting.map { max(0, now.timeIntervalSince($0) / 3_600) }
        let waitingText = "\(waiting) event\(waiting == 1 ? "" : "s") pending"
        if let report {
            calls = report.calls
            delivered = report.delivered
            alreadyDelivered = report.alreadyDelivered
            deadNow = report.dead
            answers = report.answers
            rebuiltForAPI = report.rebound
            keptOnBoundAPI = report.keptOnBoundAPI
            refusedByBoundAPI = report.refusedByBoundAPI.count
            if let refusal = report.boundAPIRefusal, refusedByBoundAPI > 0 {
                let count = refusedByBoundAPI
                let ids = report.refusedByBoundAPI.sorted()
                let listed = ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? ", … (see `status`)" : "")
                problems.append(
                    "\(count) event\(count == 1 ? "" : "s") kept on the Gong API an earlier attempt may have reached "
                        + "could not be delivered: \(refusal) (\(listed)); they are tried again in an hour. Keep that "
                        + "API's access until they are delivered, or move them with `share-detector requeue --config "
                        + "\(config.file) --event ID --move-api` (Gong may then show them twice)")
                // No call to the configured API succeeded either: the login itself may be refused.
                exitCode = max(exitCode, report.boundAPIRefusedLogin ? 3 : 1)
            }
            if let stop = report.stop {
                let line = Self.describe(stop, config: config) + " — \(waitingText)" + Self.nextStep(stop)
                stoppedBecause = line
                problems.append(line)
                exitCode = max(exitCode, stop.exitCode)
            } else if waiting > 0 {
                let last = report.lastFailure.map { " (last failure: \($0))" } ?? ""
                problems.append("\(waitingText) for a later try\(last); the next run sends them")
            }
        }
        if dead > 0 {
            // Every run says so while dead letters wait, as `status` does: one red run is easy to miss.
            let new = report.map { $0.dead > 0 ? " (\($0.dead) in this run)" : "" } ?? ""
            problems.append(
                "\(dead) event\(dead == 1 ? "" : "s") rejected by Gong (400) and kept as dead letter\(dead == 1 ? "" : "s")"
                    + "\(new): fix the cause, then `share-detector requeue --config \(config.file) --dead`")
            exitCode = max(exitCode, 1)
        }
        if let hours = oldestWaitingHours, hours > config.gong.alertAfterHours {
            problems.append(
                "the oldest of \(waitingText) has waited \(Self.hours(hours)) h, longer than gong.alertAfterHours "
                    + "(\(Self.hours(config.gong.alertAfterHours)) h): see `share-detector status --config \(config.file)`"
            )
            exitCode = max(exitCode, 1)
        }
    }

    /// The run's metrics (`scan` passes its message counts).
    public func metrics(
        command: String, team: String, startedAt: Date, finishedAt: Date, exitCode: Int32,
        messages: (fetched: Int, parsed: Int, skipped: Int, shares: Int, newEvents: Int)? = nil
    ) -> RunMetrics {
        var byState: [DeliveryState.Name: Int] = [:]
        for (name, count) in events { if let state = DeliveryState.Name(rawValue: name) { byState[state] = count } }
        return RunMetrics(
            command: command, team: team, finishedAt: finishedAt,
            durationSeconds: max(0, finishedAt.timeIntervalSince(startedAt)), exitCode: exitCode, messages: messages,
            answers: answers, calls: calls, events: byState, oldestWaitingSeconds: (oldestWaitingHours ?? 0) * 3_600)
    }

    /// The one-line summary for a terminal.
    public var line: String {
        var text =
            "delivery: \(calls) calls, \(delivered) delivered, \(alreadyDelivered) already delivered, \(deadNow) dead; "
            + "waiting: \(waiting) (\(pending) pending, \(retry) to retry), dead letters: \(dead)"
        if rebuiltForAPI > 0 || keptOnBoundAPI > 0 {
            text +=
                "; gong.api \(api): \(rebuiltForAPI) rebuilt for it, \(keptOnBoundAPI) kept on the API an earlier "
                + "attempt may have reached"
        }
        return text
    }

    static func describe(_ stop: DeliveryStop, config: TeamConfig) -> String {
        switch stop {
        case .refused(let reason):
            return "delivery stopped: \(reason) (config \(config.file): gong)"
        case .unreachable(let kind, let message, let count):
            return "Gong unreachable: \(Self.transportText(kind)) to \(Self.hostPort(config.gong.baseURL)) "
                + "(\(count) call\(count == 1 ? "" : "s") in a row: \(message))"
        case .failing(let status, let count):
            return "Gong failing: \(count) consecutive HTTP \(status) answer\(count == 1 ? "" : "s")"
        case .paused(let until, _, let maxWait):
            return "Gong asked to pause (429) until \(Self.iso(until)), longer than gong.maxWaitSeconds "
                + "(\(Int(maxWait)) s): sending stopped"
        case .budgetExhausted(let perDay):
            return "today's Gong call budget is spent (\(perDay) calls, gong.callsPerDay, shared by every config "
                + "using the same Gong account)"
        case .interrupted(let signal):
            return "interrupted by \(signal): sending stopped after the call in flight"
        case .stateError(let message):
            return "delivery stopped: the ledger or the Gong account state failed: \(message)"
        }
    }

    static func nextStep(_ stop: DeliveryStop) -> String {
        switch stop {
        case .refused(.unauthorized): ", fix the credentials (or the account's API access) and run again"
        case .refused(.unexpectedStatus): ", fix gong.baseURL or the proxy and run again"
        case .stateError: ", the next run sends them once the cause is fixed"
        case .unreachable(let kind, _, _):
            ", will retry (the next run probes Gong with one call first)" + hint(kind)
        case .failing: ", will retry (the next run probes Gong with one call first); Gong's status page may say more"
        case .paused(let until, _, _): ", the first run after \(iso(until)) sends them"
        case .budgetExhausted: ", sent after 00:00 UTC"
        case .interrupted: ", the next run sends them"
        }
    }

    /// What the operator can check, by kind of transport failure.
    static func hint(_ kind: GongTransportErrorKind) -> String {
        switch kind {
        case .tls: "; check gong.baseURL's certificate, gong.caFile and any TLS-inspecting proxy"
        case .dnsFailure: "; check gong.baseURL's host name and this machine's DNS"
        case .timeout: "; check the network or proxy (https_proxy), or raise gong.requestTimeoutSeconds"
        case .connectionRefused: "; check gong.baseURL's host and port, and any proxy"
        case .connectionReset, .other: ""
        }
    }

    static func transportText(_ kind: GongTransportErrorKind) -> String {
        switch kind {
        case .timeout: "timed out"
        case .connectionRefused: "connection refused"
        case .connectionReset: "connection reset"
        case .dnsFailure: "host name not resolved"
        case .tls: "TLS handshake or certificate failure"
        case .other: "transport failure"
        }
    }

    /// `host:port` of a base URL (no user info, no path).
    static func hostPort(_ baseURL: String) -> String {
        guard let components = URLComponents(string: baseURL), let host = components.host else { return baseURL }
        let port = components.port ?? (components.scheme == "http" ? 80 : 443)
        return "\(host):\(port)"
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func hours(_ value: Double) -> String {
        value >= 10 ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }
}
