import Foundation
import GRDB

extension ShareLedger: LedgerStore {
    /// The ledger file's path.
    public var location: String { path }

    /// A SQLite ledger lives on one machine: the run lock holds it whole.
    public var isShared: Bool { false }

    /// The team a SQLite ledger's leases are reported under (a file holds one team).
    static let leaseTeam = ""

    /// ``LedgerStore``'s `acquireLease(mailbox:holder:duration:)`, as its documentation says.
    public func acquireLease(mailbox: String, holder: String, duration: TimeInterval) throws -> LeaseOutcome {
        let now = Date()
        return try writeImmediate { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM leases WHERE mailbox = ?", arguments: [mailbox]) {
                let current = lease(row)
                if current.holder != holder, current.expiresAt > now { return .heldBy(current) }
            }
            let acquired = MailboxLease(
                team: Self.leaseTeam, mailbox: mailbox, holder: holder, acquiredAt: now,
                expiresAt: now.addingTimeInterval(duration))
            try db.execute(
                sql: """
                    INSERT INTO leases (mailbox, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (mailbox) DO UPDATE SET holder = excluded.holder,
                        acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at
                                           ELSE excluded.acquired_at END,
                        expires_at = excluded.expires_at
                    """,
                arguments: [mailbox, holder, unixSeconds(now), unixSeconds(acquired.expiresAt)])
            return .acquired(
                lease(try Row.fetchOne(db, sql: "SELECT * FROM leases WHERE mailbox = ?", arguments: [mailbox])!))
        }
    }

    /// ``LedgerStore``'s `renewLeases(holder:duration:)`, as its documentation says.
    public func renewLeases(holder: String, duration: TimeInterval) throws -> Set<String> {
        let now = Date()
        return try writeImmediate { db in
            try db.execute(
                sql: "UPDATE leases SET expires_at = ? WHERE holder = ? AND expires_at > ?",
                arguments: [unixSeconds(now.addingTimeInterval(duration)), holder, unixSeconds(now)])
            return Set(
                try String.fetchAll(
                    db, sql: "SELECT mailbox FROM leases WHERE holder = ? AND expires_at > ?",
                    arguments: [holder, unixSeconds(now)]))
        }
    }

    /// ``LedgerStore``'s `releaseLease(_:)`, as its documentation says.
    public func releaseLease(_ lease: MailboxLease) throws {
        try writeImmediate { db in
            try db.execute(
                sql: "DELETE FROM leases WHERE mailbox = ? AND holder = ?", arguments: [lease.mailbox, lease.holder])
        }
    }

    /// ``LedgerStore``'s `leases()`, as its documentation says.
    public func leases() throws -> [MailboxLease] {
        let now = unixSeconds(Date())
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM leases WHERE expires_at > ? ORDER BY mailbox", arguments: [now])
                .map(lease)
        }
    }

    /// Throws `leaseLost` unless `lease` is still its holder's and unexpired.
    func checkLease(_ lease: MailboxLease, now: Date, db: Database) throws {
        let held =
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM leases WHERE mailbox = ? AND holder = ? AND expires_at > ?)",
                arguments: [lease.mailbox, lease.holder, unixSeconds(now)]) ?? false
        guard held else { throw LedgerError.leaseLost(lease, location: path) }
    }

    private func lease(_ row: Row) -> MailboxLease {
        MailboxLease(
            team: Self.leaseTeam, mailbox: row["mailbox"], holder: row["holder"],
            acquiredAt: unixDate(row["acquired_at"]), expiresAt: unixDate(row["expires_at"]))
    }
}

extension LedgerError {
    /// The lease on a mailbox lapsed or passed to another holder: nothing was written.
    static func leaseLost(_ lease: MailboxLease, location: String) -> LedgerError {
        LedgerError(
            code: .leaseLost, path: location,
            message: "the lease on mailbox \(lease.mailbox) is no longer this scanner's (it expired or another "
                + "scanner took it); nothing of this batch was written, the other scanner goes on from the checkpoint")
    }
}
