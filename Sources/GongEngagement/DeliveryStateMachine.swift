import Foundation

/// The pure delivery state machine: given the outcome of one send attempt, the next `DeliveryState` and what the
/// caller must do. No I/O, no clock, no randomness of its own: `now` and the jitter draw are passed in.
///
/// | Input (attempt `n`) | Next state | Actions |
/// |---|---|---|
/// | `ok` (200) | `delivered(requestId)` | record attempt |
/// | `conflict` (409) | `delivered(requestId)` | record attempt |
/// | `rateLimited` (429) | `retry(now + pause, n − 1)`: a 429 does not use up an attempt | record, pause the sender |
/// | `serverError`, `transportError` | `retry(now + backoff(n), n)` (a longer `Retry-After` on a 5xx wins, clamped), however many attempts or however old | record, schedule |
/// | `badRequest` (400) | `dead(badRequest, errors)` | record attempt |
/// | `unauthorized` (401/403) | `pending` (attempt refunded) | record attempt, stop run |
/// | `unexpectedStatus` | `pending` (attempt refunded) | record attempt, stop run |
///
/// Only a definitive answer (400) makes an event dead: a transient failure never does, so an outage of any length
/// loses nothing. The backoff and the limits come from `RetryPolicy` (see its table).
public struct DeliveryStateMachine: Sendable, Hashable {
    /// The backoff and give-up rules.
    public var policy: RetryPolicy

    /// Creates a state machine with `policy`.
    public init(policy: RetryPolicy = .default) {
        self.policy = policy
    }

    /// The state a claim moves a due event to: `sending(attemptsUsed + 1)`, or `nil` when `state` is not due.
    ///
    /// `pending` is always due; `retry(at:)` is due once `at ≤ now`; other states are never claimed.
    public func claim(_ state: DeliveryState, now: Date) -> DeliveryState? {
        switch state {
        case .pending: .sending(attempt: 1)
        case .retry(let at, let attempt) where at <= now: .sending(attempt: attempt + 1)
        case .retry, .sending, .delivered, .dead: nil
        }
    }

    /// Applies the outcome of counted attempt `attempt` (1-based) of an event.
    ///
    /// - Parameters:
    ///   - input: the classified response.
    ///   - attempt: the attempt number, as in `sending(attempt:)`.
    ///   - now: the current time (injected clock).
    ///   - unitRandom: a uniform draw from `0 ..< 1` for the backoff jitter (injected random source).
    public func apply(
        _ input: DeliveryInput, attempt: Int, now: Date, unitRandom: Double
    ) -> DeliveryTransition {
        let record = AttemptRecord(at: now, attempt: attempt, input: input)
        switch input {
        case .ok(let requestId), .conflict(let requestId):
            return DeliveryTransition(
                state: .delivered(requestId: requestId), attemptsUsed: attempt, actions: [.recordAttempt(record)])
        case .badRequest(let errors, let requestId):
            let letter = DeadLetter(reason: .badRequest, status: 400, errors: errors, requestId: requestId)
            return DeliveryTransition(state: .dead(letter), attemptsUsed: attempt, actions: [.recordAttempt(record)])
        case .unauthorized(let status, _):
            return DeliveryTransition(
                state: .pending, attemptsUsed: max(0, attempt - 1),
                actions: [.recordAttempt(record), .stopRun(.unauthorized(status: status))])
        case .unexpectedStatus(let status, _):
            return DeliveryTransition(
                state: .pending, attemptsUsed: max(0, attempt - 1),
                actions: [.recordAttempt(record), .stopRun(.unexpectedStatus(status: status))])
        case .rateLimited(let retryAfter, _):
            let delay = policy.rateLimitDelay(retryAfterSeconds: retryAfter, attempt: attempt, unitRandom: unitRandom)
            let until = now.addingTimeInterval(delay)
            return DeliveryTransition(
                state: .retry(at: until, attempt: max(0, attempt - 1)), attemptsUsed: max(0, attempt - 1),
                actions: [.recordAttempt(record), .scheduleRetry(at: until), .pauseSending(until: until)])
        case .serverError, .transportError:
            var delay = policy.delay(afterAttempt: attempt, unitRandom: unitRandom)
            if case .serverError(_, _, let retryAfter?) = input {
                delay = max(delay, min(Double(max(0, retryAfter)), policy.maxRetryAfter))
            }
            let at = now.addingTimeInterval(delay)
            return DeliveryTransition(
                state: .retry(at: at, attempt: attempt), attemptsUsed: attempt,
                actions: [.recordAttempt(record), .scheduleRetry(at: at)])
        }
    }

    /// Applies `input` to `state`, which must be `sending`; returns `nil` for any other state (a response for an
    /// event that is not being sent is a caller bug, and ignoring it is the safe answer).
    public func apply(
        _ input: DeliveryInput, to state: DeliveryState, now: Date, unitRandom: Double
    ) -> DeliveryTransition? {
        guard case .sending(let attempt) = state else { return nil }
        return apply(input, attempt: attempt, now: now, unitRandom: unitRandom)
    }
}

/// The result of one `DeliveryStateMachine.apply`: the new state and what to do.
public struct DeliveryTransition: Sendable, Hashable {
    /// The event's new state.
    public var state: DeliveryState
    /// Counted attempts used so far (a 429, 401/403 or unexpected status is refunded); the ledger stores it.
    public var attemptsUsed: Int
    /// What the caller must do, in order.
    public var actions: [DeliveryAction]

    /// Creates a transition.
    public init(state: DeliveryState, attemptsUsed: Int, actions: [DeliveryAction]) {
        self.state = state
        self.attemptsUsed = attemptsUsed
        self.actions = actions
    }

    /// The reason to stop the run, when one of the actions is `stopRun`.
    public var stopReason: StopReason? {
        for case .stopRun(let reason) in actions { return reason }
        return nil
    }

    /// Until when the whole sender must pause, when one of the actions is `pauseSending`.
    public var pauseUntil: Date? {
        for case .pauseSending(let until) in actions { return until }
        return nil
    }

    /// The attempt to record (every transition has one).
    public var attempt: AttemptRecord? {
        for case .recordAttempt(let record) in actions { return record }
        return nil
    }
}

/// Something the caller of `DeliveryStateMachine` must do.
public enum DeliveryAction: Sendable, Hashable {
    /// Append this attempt to the ledger's attempt log.
    case recordAttempt(AttemptRecord)
    /// The event may be claimed again at this time.
    case scheduleRetry(at: Date)
    /// Stop the whole run: the remaining events stay pending for the next run.
    case stopRun(StopReason)
    /// Gong asked to slow down (429): no call may go to this Gong account, from any run, before this time.
    case pauseSending(until: Date)
}

/// Why a run must stop.
public enum StopReason: Sendable, Hashable, CustomStringConvertible {
    /// Gong answered 401 or 403: the credentials are wrong or the account is not entitled to the API.
    case unauthorized(status: Int)
    /// Gong (or something in between) answered with a status the contract does not know.
    case unexpectedStatus(status: Int)

    /// One line for the operator.
    public var description: String {
        switch self {
        case .unauthorized(let status):
            "Gong answered \(status): check the Gong credentials and that the engagement API is enabled for the account"
        case .unexpectedStatus(let status):
            "Gong answered an unexpected HTTP \(status): check the Gong base URL and any proxy"
        }
    }
}

/// One send attempt, as written to the ledger's attempt log. Holds no secret and no event body.
public struct AttemptRecord: Sendable, Hashable {
    /// When the attempt's outcome was known.
    public var at: Date
    /// The counted attempt number.
    public var attempt: Int
    /// The HTTP status, or `nil` for a transport error.
    public var status: Int?
    /// Gong's `requestId`, when known.
    public var requestId: String?
    /// A one-line description of a failure (Gong's `errors`, or the transport error kind); `nil` on success.
    public var error: String?

    /// Creates a record.
    public init(at: Date, attempt: Int, status: Int?, requestId: String?, error: String?) {
        self.at = at
        self.attempt = attempt
        self.status = status
        self.requestId = requestId
        self.error = error
    }

    /// Derives the record from a classified input.
    public init(at: Date, attempt: Int, input: DeliveryInput) {
        switch input {
        case .ok(let requestId):
            self.init(at: at, attempt: attempt, status: 200, requestId: requestId, error: nil)
        case .conflict(let requestId):
            self.init(at: at, attempt: attempt, status: 409, requestId: requestId, error: nil)
        case .rateLimited(let retryAfter, let requestId):
            let detail = retryAfter.map { "rate limited (Retry-After \($0) s)" } ?? "rate limited"
            self.init(at: at, attempt: attempt, status: 429, requestId: requestId, error: detail)
        case .serverError(let status, let requestId, let retryAfter):
            let detail = retryAfter.map { "server error (Retry-After \($0) s)" } ?? "server error"
            self.init(at: at, attempt: attempt, status: status, requestId: requestId, error: detail)
        case .transportError(let kind):
            self.init(at: at, attempt: attempt, status: nil, requestId: nil, error: "transport error: \(kind.rawValue)")
        case .badRequest(let errors, let requestId):
            let detail = errors.isEmpty ? "bad request" : errors.joined(separator: "; ")
            self.init(at: at, attempt: attempt, status: 400, requestId: requestId, error: detail)
        case .unauthorized(let status, let requestId):
            self.init(at: at, attempt: attempt, status: status, requestId: requestId, error: "unauthorized")
        case .unexpectedStatus(let status, let requestId):
            self.init(at: at, attempt: attempt, status: status, requestId: requestId, error: "unexpected status")
        }
    }

    /// `HTTP <status>: <error>` or the transport error, for dead letters and status views.
    public var summary: String {
        switch (status, error) {
        case (let status?, let error?): "HTTP \(status): \(error)"
        case (let status?, nil): "HTTP \(status)"
        case (nil, let error?): error
        case (nil, nil): "unknown failure"
        }
    }
}
