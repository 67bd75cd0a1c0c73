import Foundation
import GongEngagement
import GongHTTP
import ShareLedger

/// The one set-up `scan`, `send` and `requeue` share: the team's ledger, opened (a SQLite ledger held under its run
/// lock; a shared PostgreSQL ledger needs none: mailbox leases and `SKIP LOCKED` claims keep runs apart), and — when
/// sending — the Gong client and the account's shared state.
public final class DeliverySession: Sendable {
    /// The team config.
    public let config: TeamConfig
    /// The ledger, open.
    public let ledger: any LedgerStore
    private let lock: RunLock?
    /// On a shared ledger: this process's heartbeat (its outbox claims and mailbox leases stay its own while it
    /// beats) and the scan's mailbox leases.
    let leases: MailboxLeaseKeeper?

    private init(config: TeamConfig, ledger: any LedgerStore, lock: RunLock?, leases: MailboxLeaseKeeper?) {
        self.config = config
        self.ledger = ledger
        self.lock = lock
        self.leases = leases
    }

    deinit {
        lock?.release()
        leases?.stop()
    }

    /// Opens the ledger (creating it when `create`, else failing with exit 1 when it does not exist yet) and, for a
    /// SQLite ledger, takes its run lock, waiting up to `lockTimeout` seconds.
    public static func open(
        config: TeamConfig, lockTimeout: TimeInterval, create: Bool, diagnostics: OutputSink? = nil
    ) throws(RunFailure) -> DeliverySession {
        guard let ledger = try LedgerAccess.open(config, mode: create ? .create : .existing) else {
            throw RunFailure(exitCode: 1, message: "no ledger at \(config.stateLocation) yet: run scan first")
        }
        var lock: RunLock?
        if let file = ledger as? ShareLedger {
            do { lock = try file.lock(waitingUpTo: lockTimeout) } catch {
                throw RunFailure(exitCode: 1, message: "\(error)")
            }
        }
        let leases =
            ledger.isShared
            ? MailboxLeaseKeeper(ledger: ledger, duration: config.leaseSeconds, diagnostics: diagnostics) : nil
        return DeliverySession(config: config, ledger: ledger, lock: lock, leases: leases)
    }

    /// Releases the run lock (also done when the session is deinitialised).
    public func close() {
        lock?.release()
        leases?.stop()
    }

    /// Resolves the Gong credentials (running a `command:` secret once) and creates the client: call before any
    /// work, so a config error stops the run before it reads a mailbox.
    public func connectGong() throws(RunFailure) -> GongConnection {
        let (client, key) = try GongAccess.makeClient(config)
        return GongConnection(client: client, accountKey: key)
    }

    /// Delivers what is due with `gong` (from ``connectGong()``) and the account's shared state; with a `feed`,
    /// also what a scan running meanwhile commits, until the feed closes. `onDelivered` is told of each event Gong
    /// took (the progress board).
    public func deliver(
        using gong: GongConnection, diagnostics: OutputSink?, clock: any DeliveryClock = SystemDeliveryClock(),
        feed: DeliveryFeed? = nil, onDelivered: (@Sendable () -> Void)? = nil
    ) throws(RunFailure) -> Deliverer.Report {
        let client = gong.client
        let account = try LedgerAccess.account(config, key: gong.accountKey, ledger: ledger)
        let deliverer = Deliverer(
            ledger: ledger, account: account, client: client, builder: EventBuilder(config: config),
            options: Deliverer.Options(settings: config.gong),
            clock: clock, diagnostics: diagnostics)
        deliverer.feed = feed
        deliverer.onDelivered = onDelivered
        return deliverer.run()
    }

    /// The delivery summary after a pass (`report`, `nil` when nothing was sent), from the ledger as it is now.
    public func summary(report: Deliverer.Report?, now: Date = Date()) throws(RunFailure) -> DeliverySummary {
        do {
            return DeliverySummary(
                report: report, status: try ledger.status(undeliveredLimit: 0), config: config, now: now)
        } catch {
            throw RunFailure(exitCode: 1, message: "cannot read the ledger: \(error)")
        }
    }
}

/// A Gong client with the key of its account's shared state.
public struct GongConnection {
    /// The client (one thread at a time).
    public let client: GongClient
    /// The account key (base URL and a hash of the credential).
    public let accountKey: String
}
