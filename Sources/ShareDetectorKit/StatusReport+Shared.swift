import Foundation
import GongEngagement
import ShareLedger

extension StatusReport {
    /// What a shared PostgreSQL ledger adds to `status`: the mailbox leases (who scans which mailbox since when) and,
    /// with `--all-teams`, every team's event counts and leases.
    struct SharedView {
        /// The leases of the config's team, or of every team.
        var leases: [MailboxLease]
        /// Every team's event counts by state (`--all-teams` only).
        var teams: [(team: String, counts: [DeliveryState.Name: Int], oldestWaiting: Date?)]

        static func read(_ ledger: PostgresLedger, allTeams: Bool) throws -> SharedView {
            guard allTeams else { return SharedView(leases: try ledger.leases(), teams: []) }
            let teams = try ledger.teams().map { team in
                let status = try PostgresLedger(sharing: ledger, team: team).status(errorLimit: 0, undeliveredLimit: 0)
                return (team, status.counts, status.oldestWaiting)
            }
            return SharedView(leases: try ledger.allLeases(), teams: teams)
        }

        func addJSON(to object: inout [String: Any], now: Date) {
            object["leases"] = leases.map { lease -> [String: Any] in
                [
                    "team": lease.team, "mailbox": lease.mailbox, "holder": lease.holder,
                    "since": StatusReport.iso(lease.acquiredAt), "expiresAt": StatusReport.iso(lease.expiresAt),
                ]
            }
            guard !teams.isEmpty else { return }
            object["teams"] = teams.map { entry -> [String: Any] in
                [
                    "team": entry.team,
                    "events": Dictionary(uniqueKeysWithValues: entry.counts.map { ($0.key.rawValue, $0.value) }),
                    "oldestWaiting": entry.oldestWaiting.map(StatusReport.iso) as Any,
                ]
            }
        }

        func addText(to lines: inout [String], now: Date) {
            if leases.isEmpty {
                lines.append("leases: none (no scan running)")
            } else {
                lines.append("leases (mailboxes being scanned):")
                for lease in leases {
                    let age = Int(max(0, now.timeIntervalSince(lease.acquiredAt)))
                    lines.append(
                        "  \(teams.isEmpty ? "" : "\(lease.team) ")\(lease.mailbox): \(lease.holder) since "
                            + "\(StatusReport.iso(lease.acquiredAt)) (\(age) s), expires \(StatusReport.iso(lease.expiresAt))"
                    )
                }
            }
            guard !teams.isEmpty else { return }
            lines.append("teams in this database:")
            let order: [DeliveryState.Name] = [.pending, .sending, .retry, .delivered, .dead]
            for entry in teams {
                lines.append(
                    "  \(entry.team): "
                        + order.map { "\($0.rawValue) \(entry.counts[$0] ?? 0)" }.joined(separator: ", "))
            }
        }
    }
}
