import Foundation
import GongEngagement
import ShareLedger

/// Renders `status`: checkpoints, outbox counts, every event not delivered (message-id, mailbox, subject,
/// contentId, Gong's last answer and requestId, age), last errors, and the Gong account's quota, pause and breaker.
public enum StatusReport {
    /// The rendered report and the command's exit status: 1 when an event has waited longer than
    /// `gong.alertAfterHours`, dead letters wait for a `requeue`, or the Gong account state file cannot be read;
    /// else 0.
    public struct Rendered: Sendable {
        /// Text, or one JSON object.
        public var text: String
        /// The exit status.
        public var exitCode: Int32
        /// Lines for standard error (the causes of the exit status).
        public var problems: [String]
    }

    /// The report as text or one JSON object; with `allTeams` (a shared PostgreSQL ledger), every team in the
    /// database too.
    public static func render(
        config: TeamConfig, json: Bool, allTeams: Bool = false, now: Date = Date()
    ) throws(RunFailure) -> Rendered {
        guard let ledger = try LedgerAccess.open(config, mode: .readOnly) else {
            return Rendered(
                text: json
                    ? #"{"ledger":null,"message":"no ledger yet"}"#
                    : "\(config.team): no ledger at \(config.stateLocation) yet (nothing scanned)",
                exitCode: 0, problems: [])
        }
        if allTeams, !(ledger is PostgresLedger) {
            throw RunFailure(
                exitCode: 2,
                message: "--all-teams needs a shared PostgreSQL ledger (state: postgresql://…); "
                    + "\(config.statePath) holds one team")
        }
        let status: LedgerStatus
        let shared: SharedView?
        do {
            status = try ledger.status()
            shared = try (ledger as? PostgresLedger).map { try SharedView.read($0, allTeams: allTeams) }
        } catch {
            throw RunFailure(exitCode: 2, message: "cannot read the ledger: \(error)")
        }
        let summary = DeliverySummary(report: nil, status: status, config: config, now: now)
        var problems = summary.problems
        var exitCode = summary.exitCode
        let read = accountState(config, ledger: ledger, now: now)
        var account: AccountView?
        var accountNote: String?
        switch read {
        case .view(let view): account = view
        case .notShown(let reason): accountNote = reason
        case .failed(let reason):
            // A broken account state file stops every run's sending: never silent.
            accountNote = reason
            problems.append(reason)
            exitCode = max(exitCode, 1)
        }
        let text =
            json
            ? renderJSON(
                config: config, status: status, account: account, accountNote: accountNote, problems: problems,
                summary: summary, shared: shared, now: now)
            : renderText(
                config: config, status: status, account: account, accountNote: accountNote, shared: shared, now: now)
        return Rendered(text: text, exitCode: exitCode, problems: problems)
    }

    /// The Gong account's shared state, when the credentials resolve (else `nil`: status works without them).
    struct AccountView {
        var callsToday: Int
        var pausedUntil: Date?
        var pauseReason: String?
        var consecutiveFailures: Int
        /// Calls reserved in the last 10 seconds (every machine's, for a shared ledger).
        var recentCalls: Int = 0
    }

    /// What `status` could read of the account's state.
    enum AccountRead {
        /// The state.
        case view(AccountView)
        /// Not shown, for a reason that is no fault (no call made from here yet, credentials not available here).
        case notShown(String)
        /// The state file exists but cannot be read: a problem (every run's sending depends on it).
        case failed(String)
    }

    static func accountState(_ config: TeamConfig, ledger: any LedgerStore, now: Date) -> AccountRead {
        // Read only: a status never creates the state file.
        let path = GongAccountState.defaultPath()
        let shared = ledger is PostgresLedger
        guard shared || FileManager.default.fileExists(atPath: path) else {
            return .notShown("Gong account: no call made from this machine yet (\(path))")
        }
        let key: String
        do { key = try GongAccess.makeClient(config).accountKey } catch {
            return .notShown("Gong account: credentials not resolvable here (\(error.message)); quota not shown")
        }
        let statePlace = shared ? ledger.location : path
        do {
            let account = try LedgerAccess.account(config, key: key, ledger: ledger)
            let pause = try account.pause(now: now)
            let cutoff = Int64((now.timeIntervalSince1970 - 10) * 1_000_000)
            return .view(
                AccountView(
                    callsToday: try account.callsToday(now: now), pausedUntil: pause?.until,
                    pauseReason: pause?.reason, consecutiveFailures: try account.consecutiveFailures(),
                    recentCalls: try account.recentCallSlots().filter { $0 > cutoff }.count))
        } catch {
            return .failed("cannot read the Gong account state \(statePlace): \(error)")
        }
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    static func ageHours(_ event: LedgerStatus.UndeliveredEvent, now: Date) -> Double {
        (max(0, now.timeIntervalSince(event.createdAt)) / 360).rounded() / 10
    }

    static func renderJSON(
        config: TeamConfig, status: LedgerStatus, account: AccountView?, accountNote: String?, problems: [String],
        summary: DeliverySummary, shared: SharedView?, now: Date
    ) -> String {
        var object: [String: Any] = [
            "team": config.team, "ledger": config.stateLocation, "callsPerDay": config.gong.callsPerDay,
            "waiting": summary.waiting, "alertAfterHours": config.gong.alertAfterHours,
            "oldestWaitingHours": summary.oldestWaitingHours as Any, "problems": problems,
        ]
        if let account {
            object["gong"] =
                [
                    "callsToday": account.callsToday, "pausedUntil": account.pausedUntil.map(iso) as Any,
                    "pauseReason": account.pauseReason as Any, "consecutiveFailures": account.consecutiveFailures,
                    "callsLast10s": account.recentCalls, "callsPerSecond": config.gong.callsPerSecond,
                    "callsPerDay": config.gong.callsPerDay,
                ] as [String: Any]
        } else if let accountNote {
            object["gong"] = ["notShown": accountNote]
        }
        object["undelivered"] = status.undelivered.map { event -> [String: Any] in
            [
                "eventId": event.eventId, "state": event.state.rawValue, "messageId": event.messageId as Any,
                "mailbox": event.mailbox, "subject": event.subject as Any, "contentId": event.contentId,
                "attempts": event.attempts, "lastStatus": event.lastStatus as Any, "lastError": event.lastError as Any,
                "lastRequestId": event.lastRequestId as Any, "nextAttemptAt": event.nextAttemptAt.map(iso) as Any,
                "createdAt": iso(event.createdAt), "ageHours": ageHours(event, now: now), "api": event.api.rawValue,
            ]
        }
        object["undeliveredNotListed"] = max(
            0, status.total - (status.counts[.delivered] ?? 0) - status.undelivered.count)
        object["events"] = Dictionary(uniqueKeysWithValues: status.counts.map { ($0.key.rawValue, $0.value) })
        object["api"] = config.gong.api.rawValue
        object["deliveredByAPI"] = status.deliveredByAPI
        object["lastErrors"] = status.lastErrors.map {
            [
                "eventId": $0.eventId, "state": $0.state.rawValue, "status": $0.status as Any, "error": $0.error,
                "updatedAt": ISO8601DateFormatter().string(from: $0.updatedAt),
            ] as [String: Any]
        }
        object["checkpoints"] = status.checkpoints.map { entry -> [String: Any] in
            var value: [String: Any] = [
                "source": entry.sourceKey, "updatedAt": ISO8601DateFormatter().string(from: entry.updatedAt),
            ]
            switch entry.checkpoint {
            case .mbox(let mbox)?: value["mbox"] = ["offset": mbox.offset, "nextIndex": mbox.nextIndex]
            case .imap(let imap)?: value["imap"] = ["uidValidity": imap.uidValidity, "lastUID": imap.lastUID]
            case nil: break
            }
            return value
        }
        shared?.addJSON(to: &object, now: now)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func renderText(
        config: TeamConfig, status: LedgerStatus, account: AccountView?, accountNote: String?, shared: SharedView?,
        now: Date
    ) -> String {
        var lines = ["\(config.team): ledger \(config.stateLocation)"]
        let order: [DeliveryState.Name] = [.pending, .sending, .retry, .delivered, .dead]
        lines.append("events: " + order.map { "\($0.rawValue) \(status.counts[$0] ?? 0)" }.joined(separator: ", "))
        let byAPI = status.deliveredByAPI.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        lines.append(
            "Gong API: \(config.gong.api.rawValue)"
                + (byAPI.isEmpty ? "" : " (delivered: \(byAPI.joined(separator: ", ")))"))
        if let account {
            lines.append(
                "Gong calls today (UTC): \(account.callsToday) of \(config.gong.callsPerDay); "
                    + "\(account.recentCalls) in the last 10 s (pace \(config.gong.callsPerSecond)/s)")
            if let until = account.pausedUntil {
                lines.append("Gong paused until \(iso(until)): \(account.pauseReason ?? "429")")
            }
            if account.consecutiveFailures > 0 {
                let probe =
                    account.consecutiveFailures >= SendingBreaker.defaultThreshold
                    ? " (the next run probes with one call)" : ""
                lines.append("Gong: \(account.consecutiveFailures) failed calls in a row\(probe)")
            }
        } else if let accountNote {
            lines.append(accountNote)
        }
        if status.checkpoints.isEmpty { lines.append("checkpoints: none") }
        for entry in status.checkpoints {
            let detail: String =
                switch entry.checkpoint {
                case .mbox(let mbox)?: "byte \(mbox.offset), next message \(mbox.nextIndex)"
                case .imap(let imap)?: "UIDVALIDITY \(imap.uidValidity), last UID \(imap.lastUID)"
                case nil: "(unreadable)"
                }
            lines.append("checkpoint \(entry.sourceKey): \(detail)")
        }
        if !status.undelivered.isEmpty { lines.append("not delivered (oldest first):") }
        let undeliveredTotal = status.total - (status.counts[.delivered] ?? 0)
        for event in status.undelivered {
            var answer = event.lastStatus.map { "HTTP \($0)" } ?? (event.lastError == nil ? "none yet" : "no answer")
            if let requestId = event.lastRequestId { answer += " requestId \(requestId)" }
            if let error = event.lastError { answer += ": \(error)" }
            lines.append(
                "  \(event.state.rawValue) \(event.eventId), age \(ageHours(event, now: now)) h, mailbox \(event.mailbox), "
                    + "message-id \(event.messageId ?? "(none)"), subject \"\(event.subject ?? "")\", "
                    + "content \(event.contentId), \(event.attempts) attempts, Gong's last answer: \(answer)"
                    + (event.nextAttemptAt.map { ", next try \(iso($0))" } ?? "")
                    + (event.api == config.gong.api ? "" : ", recorded for Gong's \(event.api.rawValue) API"))
        }
        if undeliveredTotal > status.undelivered.count {
            lines.append(
                "  … and \(undeliveredTotal - status.undelivered.count) more (`status --json` lists up to "
                    + "\(status.undelivered.count); the ledger has them all)")
        }
        shared?.addText(to: &lines, now: now)
        return lines.joined(separator: "\n")
    }
}
