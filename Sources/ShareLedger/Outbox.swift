import Foundation
import GongEngagement

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
    public var api: GongAPI
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
        api: GongAPI = .contentShared, apiBound: Bool = false, detection: Data? = nil, messageKey: String = ""
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

/// What `record` writes to an outbox row: a delivery state machine's transition (``init(_:)``), or an outcome the
/// sender decides without a call (a bound event held back, an event that cannot be rebuilt for the config's API).
public struct OutboxUpdate: Sendable, Hashable {
    /// The new state.
    public var state: DeliveryState.Name
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
        state: DeliveryState.Name, attempts: Int, nextAttemptAt: Date? = nil, gongRequestId: String? = nil,
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

extension OutboxUpdate {
    /// The row a transition leaves: its state's name, `attemptsUsed`, the `retry` date, the delivered or dead
    /// letter's request id, and the `recordAttempt` action as the attempt (a dead letter's reason and errors as the
    /// last error). A transition back to `pending` or `sending` is stored as `pending`.
    public init(_ transition: DeliveryTransition) {
        let record = transition.attempt
        let attempt = record.map {
            AttemptEntry(at: $0.at, status: $0.status, gongRequestId: $0.requestId, error: $0.error)
        }
        switch transition.state {
        case .delivered(let requestId):
            self.init(
                state: .delivered, attempts: transition.attemptsUsed, gongRequestId: requestId,
                lastStatus: record?.status, attempt: attempt)
        case .retry(let at, _):
            self.init(
                state: .retry, attempts: transition.attemptsUsed, nextAttemptAt: at, lastStatus: record?.status,
                lastError: record?.error, attempt: attempt)
        case .dead(let letter):
            self.init(
                state: .dead, attempts: transition.attemptsUsed, gongRequestId: letter.requestId,
                lastStatus: letter.status,
                lastError: ([letter.reason.rawValue] + letter.errors).joined(separator: "; "), attempt: attempt)
        case .pending, .sending:
            self.init(
                state: .pending, attempts: transition.attemptsUsed, lastStatus: record?.status,
                lastError: record?.error, attempt: attempt)
        }
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
    public var api: GongAPI?
    /// Whether the request may have reached Gong and been stored: anything but a refused connection, a DNS or TLS
    /// failure, or a 4xx other than 408 and 409. Recording such an attempt binds the event to `api`.
    public var mayHaveReachedGong: Bool

    /// Creates an entry.
    public init(
        at: Date, status: Int?, gongRequestId: String?, error: String?, api: GongAPI? = nil,
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
    case superseded(current: DeliveryState.Name)
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
