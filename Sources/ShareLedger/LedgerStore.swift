import Foundation
import GongEngagement

/// The ledger contract: what every scan, sender and `requeue` needs from the team's delivery state, whatever holds
/// it. Two implementations: ``ShareLedger`` (one SQLite file, the embedded default) and ``PostgresLedger`` (one
/// database for every team and machine). One test suite runs against both.
///
/// Every write is one transaction: events with their dedup and outbox rows together with the checkpoint that follows
/// them; a claim (concurrent claimers never get the same event); an outcome with its attempt. Times are the caller's
/// `now`, except leases, which a shared database times by its own clock.
public protocol LedgerStore: AnyObject, Sendable {
    /// What messages name: the SQLite path, or the PostgreSQL URL without its password.
    var location: String { get }
    /// Whether the ledger is shared by several machines (PostgreSQL): mailbox leases replace the one-run lock.
    var isShared: Bool { get }

    // MARK: Events and checkpoints

    /// Inserts a batch of events (each with a pending outbox row; a known event id is a no-op reported in
    /// `alreadyKnown`) and moves `sourceKey`'s checkpoint, in one transaction. With a `lease`, the transaction first
    /// checks that the lease is still this holder's and unexpired, else nothing is written (`leaseLost`).
    @discardableResult
    func commit(
        events: [LedgerEvent], checkpoint: Checkpoint?, for sourceKey: String, lease: MailboxLease?, now: Date
    ) throws -> CommitResult
    /// The checkpoint of `sourceKey`, `nil` when the source was never scanned.
    func checkpoint(for sourceKey: String) throws -> Checkpoint?
    /// Removes `sourceKey`'s checkpoint.
    func resetCheckpoint(for sourceKey: String) throws
    /// Whether the ledger has `eventId`.
    func contains(eventId: String) throws -> Bool
    /// The Gong API `eventId`'s body is for and whether the event is bound to it; `nil` when unknown.
    func api(of eventId: String) throws -> (api: GongAPI, bound: Bool)?
    /// The stored Gong request body of `eventId`.
    func body(of eventId: String) throws -> Data?

    // MARK: The outbox

    /// Moves up to `limit` due rows (pending, retry due at `now`, sending older than `staleAfter`) to `sending` under
    /// one new claim token and returns them, oldest first; concurrent claimers never get the same row.
    func claimDue(now: Date, limit: Int, staleAfter: TimeInterval) throws -> [ClaimedEvent]
    /// Persists an outcome of `eventId` claimed with `claimToken`, with its attempt, in one transaction (a claim
    /// that went stale is `superseded`, except that `delivered` wins over a non-final state).
    @discardableResult
    func record(eventId: String, claimToken: String?, _ update: OutboxUpdate, now: Date) throws -> RecordResult
    /// Replaces a claimed, unbound event's body with one for another Gong API.
    func rebind(_ claim: ClaimedEvent, api: GongAPI, body: Data, now: Date) throws -> RebindResult
    /// Notes that a call for the claimed event is about to go to `claim.api` (binding it there until recorded).
    func markInFlight(_ claim: ClaimedEvent) throws
    /// Puts claimed rows that were not sent back to `pending`.
    func release(_ claims: [ClaimedEvent], now: Date) throws
    /// When the earliest `retry` row falls due.
    func nextRetryAt() throws -> Date?
    /// The outbox row of `eventId`.
    func outboxEntry(for eventId: String) throws -> OutboxEntry?
    /// The attempt log of `eventId`, oldest first.
    func attempts(for eventId: String) throws -> [AttemptEntry]

    // MARK: Requeue and status

    /// The events `selection` names that are not delivered, oldest first.
    func requeueCandidates(_ selection: RequeueSelection) throws -> [RecordedEvent]
    /// The states of `eventIds` (unknown ids are absent).
    func states(of eventIds: [String]) throws -> [String: DeliveryState.Name]
    /// Puts `eventId` back as `pending` with `body`, writing what it was to the requeue log; `false` when delivered.
    @discardableResult
    func requeue(eventId: String, body: Data, rebuilt: Bool, api: GongAPI?, moveBound: Bool, now: Date) throws -> Bool
    /// The requeue log of `eventId`, oldest first.
    func requeueHistory(for eventId: String) throws -> [RequeueEntry]
    /// The operator's summary.
    func status(errorLimit: Int, undeliveredLimit: Int) throws -> LedgerStatus

    // MARK: Mailbox leases

    /// Claims `mailbox` for `holder` for `duration` seconds, unless another holder's lease is unexpired (then
    /// `.heldBy` that lease). A holder asking again for its own lease renews it.
    func acquireLease(mailbox: String, holder: String, duration: TimeInterval) throws -> LeaseOutcome
    /// The process's heartbeat: extends every unexpired lease of `holder` by `duration` from now (and, on a shared
    /// ledger, notes the holder alive for as long, so its outbox claims stay its own); returns the mailboxes still
    /// held.
    func renewLeases(holder: String, duration: TimeInterval) throws -> Set<String>
    /// Gives `lease` up (no-op when it expired and another holder took the mailbox).
    func releaseLease(_ lease: MailboxLease) throws
    /// The leases held now (unexpired), by mailbox.
    func leases() throws -> [MailboxLease]
}

/// A scanner's claim on one mailbox of one team, until `expiresAt` unless renewed.
public struct MailboxLease: Sendable, Hashable {
    /// The team.
    public var team: String
    /// The mailbox's name in the team config.
    public var mailbox: String
    /// Who holds it: `host:pid:random`.
    public var holder: String
    /// When the holder took it.
    public var acquiredAt: Date
    /// When it lapses unless renewed.
    public var expiresAt: Date

    /// Creates a lease value.
    public init(team: String, mailbox: String, holder: String, acquiredAt: Date, expiresAt: Date) {
        self.team = team
        self.mailbox = mailbox
        self.holder = holder
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
    }
}

/// The answer to a lease request.
public enum LeaseOutcome: Sendable, Hashable {
    /// The mailbox is this holder's until the lease's expiry.
    case acquired(MailboxLease)
    /// Another holder has it.
    case heldBy(MailboxLease)
}

/// A lease holder's name: `host:pid:8 random hex digits`, unique per process run.
public enum LeaseHolder {
    /// This process's holder name.
    public static let current: String = {
        let host = ProcessInfo.processInfo.hostName
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(host):\(getpid()):\(random)"
    }()
}

extension LedgerStore {
    /// Commits without a lease, at the current time.
    @discardableResult
    public func commit(
        events: [LedgerEvent], checkpoint: Checkpoint?, for sourceKey: String, now: Date = Date()
    ) throws -> CommitResult {
        try commit(events: events, checkpoint: checkpoint, for: sourceKey, lease: nil, now: now)
    }

    /// Inserts one event without touching any checkpoint; `false` when its id was already known.
    @discardableResult
    public func insert(_ event: LedgerEvent, now: Date = Date()) throws -> Bool {
        try commit(events: [event], checkpoint: nil, for: "", lease: nil, now: now).inserted.count == 1
    }

    /// Claims with the default stale time.
    public func claimDue(now: Date, limit: Int) throws -> [ClaimedEvent] {
        try claimDue(now: now, limit: limit, staleAfter: ShareLedger.defaultStaleSendingAfter)
    }

    /// Persists an outcome of a claimed event.
    @discardableResult
    public func record(_ claim: ClaimedEvent, _ update: OutboxUpdate, now: Date = Date()) throws -> RecordResult {
        try record(eventId: claim.eventId, claimToken: claim.claimToken, update, now: now)
    }

    /// Persists an outcome at the current time.
    @discardableResult
    public func record(eventId: String, claimToken: String?, _ update: OutboxUpdate) throws -> RecordResult {
        try record(eventId: eventId, claimToken: claimToken, update, now: Date())
    }

    /// Rebinds at the current time.
    public func rebind(_ claim: ClaimedEvent, api: GongAPI, body: Data) throws -> RebindResult {
        try rebind(claim, api: api, body: body, now: Date())
    }

    /// Releases at the current time.
    public func release(_ claims: [ClaimedEvent]) throws {
        try release(claims, now: Date())
    }

    /// Requeues with the defaults (no API change, at the current time).
    @discardableResult
    public func requeue(
        eventId: String, body: Data, rebuilt: Bool, api: GongAPI? = nil, moveBound: Bool = false
    ) throws -> Bool {
        try requeue(eventId: eventId, body: body, rebuilt: rebuilt, api: api, moveBound: moveBound, now: Date())
    }

    /// The summary with up to 20 recent failures and 1,000 undelivered events.
    public func status() throws -> LedgerStatus {
        try status(errorLimit: 20, undeliveredLimit: 1_000)
    }

    /// The summary with up to 20 recent failures.
    public func status(undeliveredLimit: Int) throws -> LedgerStatus {
        try status(errorLimit: 20, undeliveredLimit: undeliveredLimit)
    }
}
