import Foundation
import ShareLedger

/// Renders `status`: checkpoints, outbox counts, last errors and today's quota use.
public enum StatusReport {
    /// The report as text or one JSON object.
    public static func render(config: TeamConfig, json: Bool) throws(RunFailure) -> String {
        guard FileManager.default.fileExists(atPath: config.statePath) else {
            return json
                ? #"{"ledger":null,"message":"no ledger yet"}"#
                : "\(config.team): no ledger at \(config.statePath) yet (nothing scanned)"
        }
        let status: LedgerStatus
        do { status = try ShareLedger(path: config.statePath).status() } catch {
            throw RunFailure(exitCode: 2, message: "cannot read the ledger: \(error)")
        }
        if json {
            var object: [String: Any] = [
                "team": config.team, "ledger": config.statePath, "day": status.day, "callsToday": status.callsToday,
                "callsPerDay": config.gong.callsPerDay,
            ]
            object["events"] = Dictionary(uniqueKeysWithValues: status.counts.map { ($0.key.rawValue, $0.value) })
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
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
        var lines = ["\(config.team): ledger \(config.statePath)"]
        let order: [OutboxState] = [.pending, .sending, .retry, .delivered, .dead]
        lines.append("events: " + order.map { "\($0.rawValue) \(status.counts[$0] ?? 0)" }.joined(separator: ", "))
        lines.append("Gong calls today (\(status.day) UTC): \(status.callsToday) of \(config.gong.callsPerDay)")
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
        for failure in status.lastErrors {
            lines.append(
                "last error: \(failure.eventId) \(failure.state.rawValue)"
                    + (failure.status.map { " HTTP \($0)" } ?? "") + ": \(failure.error)")
        }
        return lines.joined(separator: "\n")
    }
}
