import Foundation

/// The delivery state of an outbox row, as stored (the names of GongEngagement's `DeliveryState` cases).
public enum OutboxState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Waiting for its first (or next, after a stopped run) send.
    case pending
    /// Claimed by a run that is sending it.
    case sending
    /// Gong has it.
    case delivered
    /// Failed transiently; due again at `next_attempt_at`.
    case retry
    /// Given up on.
    case dead
}

/// An event claimed for sending by `ShareLedger.claimDue(now:limit:)`.
public struct ClaimedEvent: Sendable, Hashable {
    /// The event id.
    public var eventId: String
    /// The exact Gong request body.
    public var body: Data
    /// The counted attempt number this send is (attempts used so far + 1): `DeliveryState.sending(attempt:)`.
    public var attempt: Int
    /// When the event entered the outbox (for the state machine's max-age rule).
    public var enqueuedAt: Date
    /// Identifies this claim; `record` ignores state changes from a claim that was superseded.
    public var claimToken: String
    /// The Gong API `body` is for.
    public var api: String
    /// Whether the event is bound to `api`: an attempt may have reached Gong there, so it is never sent to another
    /// API (Gong's deduplication is only known to work within one API).
    public var apiBound: Bool
    /// The detection record `body` was built from (JSON), for rebuilding it for another API.
    public var detection: Data?
    /// The message's stable key (Message-ID or fingerprint).
    public var messageKey: String

    /// Creates a claimed event.
    public init(
        eventId: String, body: Data, attempt: Int, enqueuedAt: Date, claimToken: String,
        api: String = "content-shared", apiBound: Bool = false, detection: Data? = nil, messageKey: String = ""
    ) {
        self.messageKey = messageKey
        self.api = api
        self.apiBound = apiBound
        self.detection = detection
        self.eventId = eventId
        self.body = body
        self.attempt = attempt
        self.enqueuedAt = enqueuedAt
        self.claimToken = claimToken
    }
}

/// The persisted form of a delivery state machine outcome (`DeliveryTransition`), written by `ShareLedger.record`.
///
/// Map `DeliveryTransition` to it: `state` = the state's name; `attempts` = `attemptsUsed`; `nextAttemptAt` = the
/// `retry(at:)` date; `gongRequestId` = the delivered request id; `lastStatus`/`lastError` and `attempt` = the
/// `recordAttempt` action; `deadErrors` = the dead letter's errors.
public struct OutboxUpdate: Sendable, Hashable {
    /// The new state.
    public var state: OutboxState
    /// Counted attempts used so far.
    public var attempts: Int
    /// When a `retry` row is due.
    public var nextAttemptAt: Date?
    /// Gong's `requestId` of the delivering call.
    public var gongRequestId: String?
    /// The last HTTP status, `nil` for a transport error.
    public var lastStatus: Int?
    /// The last failure, one line (Gong's `errors` for a dead letter).
    public var lastError: String?
    /// The attempt to append to the attempt log.
    public var attempt: AttemptEntry?

    /// Creates an update.
    public init(
        state: OutboxState, attempts: Int, nextAttemptAt: Date? = nil, gongRequestId: String? = nil,
        lastStatus: Int? = nil, lastError: String? = nil, attempt: AttemptEntry? = nil
    ) {
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.gongRequestId = gongRequestId
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.attempt = attempt
    }
}

/// One row of the attempt log. Holds no secret: `error` is scrubbed of `Basic`/`Bearer` credentials and capped.
public struct AttemptEntry: Sendable, Hashable {
    /// When the outcome was known.
    public var at: Date
    /// The HTTP status, `nil` for a transport error.
    public var status: Int?
    /// Gong's `requestId`, when known.
    public var gongRequestId: String?
    /// One line describing a failure; `nil` on success.
    public var error: String?
    /// The Gong API the call went to (`nil` in entries read from before the ledger kept it).
    public var api: String?
    /// Whether the request may have reached Gong and been stored: anything but a refused connection, a DNS or TLS
    /// failure, or a 4xx other than 408 and 409. Recording such an attempt binds the event to `api`.
    public var mayHaveReachedGong: Bool

    /// Creates an entry.
    public init(
        at: Date, status: Int?, gongRequestId: String?, error: String?, api: String? = nil,
        mayHaveReachedGong: Bool = true
    ) {
        self.api = api
        self.mayHaveReachedGong = mayHaveReachedGong
        self.at = at
        self.status = status
        self.gongRequestId = gongRequestId
        self.error = error
    }
}

/// What `ShareLedger.rebind` did.
public enum RebindResult: Sendable, Hashable {
    /// The event now has the new body and API.
    case rebound
    /// The event is bound to its API (an attempt may have reached Gong there): send the stored body there.
    case bound
    /// The claim is no longer this run's: do not send the event.
    case notClaimed
}

/// What `ShareLedger.record` did.
public enum RecordResult: Sendable, Hashable {
    /// The row took the new state.
    case applied
    /// The claim had been superseded (the row was reclaimed after looking stale, or finished by another run);
    /// the attempt was logged but the state was left alone.
    case superseded(current: OutboxState)
}

/// The answer of the pacing gate `GongAccountState.reserveCallSlot(now:callsPerSecond:callsPerDay:safetyMargin:)`.
public enum Reservation: Sendable, Hashable {
    /// A slot is reserved: call Gong now.
    case go
    /// No slot in the current 1-second window: ask again at this time.
    case waitUntil(Date)
    /// Today's (UTC) call budget is used up: stop sending until the next UTC day.
    case dailyBudgetExhausted
    /// Gong answered 429: no call to this account before this time (from any run).
    case paused(until: Date)
}
