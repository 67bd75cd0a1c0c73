import Foundation
import GongEngagement
import GongHTTP
import ShareLedger

/// The delivery loop: claims due events from the ledger, paces calls through the Gong account's shared gate, sends
/// each once, records the outcome, and stops sending — leaving everything pending — when Gong is down, pauses us,
/// refuses the credentials, the daily budget is spent, or the run is interrupted.
///
/// Every event was committed to the ledger before this runs; a crash anywhere leaves it `sending`, and the next run
/// (which holds the run lock) takes it back at once — Gong's 409 then records it as delivered. Nothing is lost,
/// nothing is shown twice.
public final class Deliverer {
    /// What one delivery pass did.
    public struct Report: Sendable, Equatable {
        /// Calls made.
        public var calls = 0
        /// Events Gong accepted (200).
        public var delivered = 0
        /// Events Gong already had (409): delivered too.
        public var alreadyDelivered = 0
        /// Events scheduled for a retry (429, 5xx, transport errors).
        public var retrying = 0
        /// Events that went dead (400).
        public var dead = 0
        /// Calls answered 429.
        public var rateLimited = 0
        /// The last failed call, one line (transport error text or HTTP status), never a secret.
        public var lastFailure: String?
        /// Why sending stopped before the outbox was empty, if it did.
        public var stop: DeliveryStop?
        /// Delivered (200 or 409) event ids.
        public var deliveredIDs: [String] = []
        /// Gong's answers by HTTP status (`"200"`, `"429"`, …) or, with no answer, by transport failure
        /// (`"transport:connectionRefused"`, …).
        public var answers: [String: Int] = [:]
        /// Events whose body was rebuilt for the configured API before sending (`gong.api` was switched).
        public var rebound = 0
        /// Events sent to their recorded API although another is configured: an earlier attempt may have reached
        /// Gong there.
        public var keptOnBoundAPI: Int { keptEventIDs.count }
        /// The ids behind `keptOnBoundAPI`.
        public var keptEventIDs: Set<String> = []
        /// Events kept on their recorded API that this API refused (401, 403, 404, 410): retried later, without
        /// stopping the run, as the configured API may work.
        public var refusedByBoundAPI: Set<String> = []
        /// The last such refusal, one line.
        public var boundAPIRefusal: String?
        /// Whether the refusals included a 401/403 while no call to the configured API succeeded in this run: the
        /// credentials themselves may be refused (exit 3), not just the old API.
        public var boundAPIRefusedLogin = false
        /// Whether a call to the configured API was answered 2xx or 409 in this run.
        public var configuredAPIAnswered = false
    }

    /// The limits of one delivery pass.
    public struct Options: Sendable {
        /// Calls per second for the account (shared by every run using it).
        public var callsPerSecond: Int
        /// Calls per UTC day for the account.
        public var callsPerDay: Int
        /// The longest 429 pause the run waits out; a longer one stops sending.
        public var maxWaitSeconds: Double
        /// At the end, retries falling due within this many seconds are waited for.
        public var retryWindow: TimeInterval
        /// Consecutive failed calls (transport, 5xx) that stop sending.
        public var breakerThreshold: Int
        /// Events claimed per ledger transaction.
        public var batchSize: Int
        /// The Gong API events go to; an event recorded for another API is rebuilt for it unless it is bound.
        public var api: GongAPI

        /// Options from a team config's `gong` settings.
        public init(settings: GongSettings, retryWindow: TimeInterval = 30, breakerThreshold: Int = 5) {
            api = settings.api
            callsPerSecond = max(1, Int(settings.callsPerSecond.rounded(.down)))
            callsPerDay = settings.callsPerDay
            maxWaitSeconds = settings.maxWaitSeconds
            self.retryWindow = retryWindow
            self.breakerThreshold = breakerThreshold
            batchSize = 20
        }
    }

    let ledger: any LedgerStore
    let account: any GongAccountPace
    let send: (ClaimedEvent) -> GongCallResult
    let rebuild: (ClaimedEvent, GongAPI) -> Result<Data, EventRebuildError>
    let options: Options
    let machine: DeliveryStateMachine
    let clock: any DeliveryClock
    let diagnostics: OutputSink?
    /// A uniform draw from `0 ..< 1` for the backoff jitter (injected by tests).
    var unitRandom: () -> Double = { Double.random(in: 0..<1) }
    /// While a scan runs beside the deliverer: an empty outbox means "wait for the scan's next commit", not "done".
    public var feed: DeliveryFeed?
    /// Told of each event Gong took (200 or 409), from the delivering thread.
    public var onDelivered: (@Sendable () -> Void)?

    /// Creates a deliverer. Call ``run()`` only while holding the ledger's run lock: no other run can then be
    /// sending, so every row left `sending` belongs to a crashed run and is re-sent at once.
    ///
    /// - Parameters:
    ///   - rebuild: the body of a claimed event for another API (``EventBuilder/rebuild(_:for:)`` in production).
    ///   - send: makes one call for a claimed event to its `api` (a `GongClient` call in production).
    ///   - clock: the time source and sleeper (injected by tests).
    public init(
        ledger: any LedgerStore, account: any GongAccountPace, options: Options,
        machine: DeliveryStateMachine = DeliveryStateMachine(), clock: any DeliveryClock = SystemDeliveryClock(),
        diagnostics: OutputSink? = nil,
        rebuild: @escaping (ClaimedEvent, GongAPI) -> Result<Data, EventRebuildError> = { _, api in
            .failure(EventRebuildError("no rebuild for \(api.rawValue)"))
        },
        send: @escaping (ClaimedEvent) -> GongCallResult
    ) {
        self.rebuild = rebuild
        self.ledger = ledger
        self.account = account
        self.options = options
        self.machine = machine
        self.clock = clock
        self.diagnostics = diagnostics
        self.send = send
    }

    /// Creates a deliverer that sends with `client` and rebuilds with `builder`.
    public convenience init(
        ledger: any LedgerStore, account: any GongAccountPace, client: GongClient, builder: EventBuilder,
        options: Options,
        clock: any DeliveryClock = SystemDeliveryClock(), diagnostics: OutputSink? = nil
    ) {
        self.init(
            ledger: ledger, account: account, options: options, clock: clock, diagnostics: diagnostics,
            rebuild: {
                builder.rebuild(
                    detection: $0.detection, body: $0.body, recordedAPI: $0.api, messageKey: $0.messageKey, for: $1)
            },
            send: { client.send([UInt8]($0.body), to: $0.api) })
    }

    /// Delivers every due event until none is due or sending must stop.
    ///
    /// Never throws: a ledger or account-state failure stops sending with ``DeliveryStop/stateError(_:)`` after the
    /// claimed events not yet sent are put back, so the caller can still report what was done.
    public func run() -> Report {
        var report = Report()
        var outstanding: [ClaimedEvent] = []
        do {
            try deliver(into: &report, outstanding: &outstanding)
        } catch {
            // Best effort: what was claimed and not sent goes back to pending (a crash would leave it `sending`,
            // which the next run takes back anyway).
            try? ledger.release(outstanding, now: clock.now())
            report.stop = .stateError("\(error)")
        }
        return report
    }

    private func deliver(into report: inout Report, outstanding: inout [ClaimedEvent]) throws {
        var breaker = SendingBreaker(
            threshold: options.breakerThreshold, consecutiveFailures: try account.consecutiveFailures())
        var waitUntil: Date?
        var consecutiveRateLimits = 0
        var refusedAPIs: Set<GongAPI> = []
        var pausedFor: TimeInterval = 0
        outer: while report.stop == nil {
            if RunInterruption.isRequested {
                report.stop = .interrupted(signal: RunInterruption.signalName)
                break
            }
            // Read before claiming, so that a commit between the claim and the wait is not slept through.
            let scan = feed?.state
            // Alone on a SQLite ledger (the run lock), any row left `sending` is a crashed run's: take it back at
            // once. On a shared ledger other senders are live: their claims are theirs while their heartbeat beats
            // (a dead one's come back within leaseSeconds), and 15 minutes whatever it says.
            let claims = try ledger.claimDue(
                now: clock.now(), limit: options.batchSize, staleAfter: ledger.isShared ? 900 : 0)
            if claims.isEmpty, let feed, let scan, scan.isOpen {
                // The scan goes on: wait for its next commit, or a retry falling due (checked twice a second, so
                // that a signal is noticed too).
                var deadline = Date().addingTimeInterval(0.5)
                if let next = try ledger.nextRetryAt() {
                    deadline = min(deadline, Date().addingTimeInterval(max(0, next.timeIntervalSince(clock.now()))))
                }
                feed.wait(after: scan.generation, until: deadline)
                continue
            }
            if claims.isEmpty {
                // Once nothing is due, retries falling due within the window are waited for; later ones are left
                // for the next run.
                let deadline = waitUntil ?? clock.now().addingTimeInterval(options.retryWindow)
                waitUntil = deadline
                guard let next = try ledger.nextRetryAt(), next <= deadline else { break }
                clock.sleep(until: next)
                continue
            }
            outstanding = claims
            for original in claims {
                if report.stop == nil, RunInterruption.isRequested {
                    report.stop = .interrupted(signal: RunInterruption.signalName)
                }
                var claim = original
                // Once the old API refused a bound event, its other bound events are not called again this run:
                // they wait an hour, as the refused one does.
                if report.stop == nil, claim.apiBound, refusedAPIs.contains(claim.api) {
                    let now = clock.now()
                    try ledger.record(
                        claim,
                        OutboxUpdate(
                            state: .retry, attempts: claim.attempt - 1,
                            nextAttemptAt: now.addingTimeInterval(Self.boundAPIRetrySeconds),
                            lastError: "not sent: Gong's \(claim.api.rawValue) API refused this run's first call"),
                        now: now)
                    report.refusedByBoundAPI.insert(claim.eventId)
                    outstanding.removeFirst()
                    continue
                }
                if report.stop == nil, claim.api != options.api {
                    guard try switchAPI(&claim, into: &report) else {
                        outstanding.removeFirst()
                        continue
                    }
                }
                var reservedAt = clock.now()
                if report.stop == nil {
                    switch try waitForSlot(pausedFor: &pausedFor) {
                    case .success(let at): reservedAt = at
                    case .failure(let stop): report.stop = stop.stop
                    }
                }
                guard report.stop == nil else {
                    try ledger.release(outstanding, now: clock.now())
                    outstanding = []
                    break outer
                }
                // Until the outcome is recorded the event is bound to this API: a crash mid-call can never send it
                // to the other one.
                try ledger.markInFlight(claim)
                let result = send(claim)
                report.calls += 1
                let now = clock.now()
                if case .transportError(let kind, _) = result, Self.neverReachedGong(kind) {
                    try account.refundCall(now: reservedAt)
                }
                var input = DeliveryOutcome.input(for: result)
                // An event kept on the API it may have reached, refused there (the account lost that API or its
                // scope): retried later without stopping the run, so the configured API still gets the rest.
                let refusedByBoundAPI = claim.api != options.api && Self.apiUnavailable(input)
                if refusedByBoundAPI, case .response(let status, let requestId, _, _) = result {
                    input = .serverError(
                        status: status, requestId: requestId, retryAfterSeconds: Int(Self.boundAPIRetrySeconds))
                    refusedAPIs.insert(claim.api)
                    report.refusedByBoundAPI.insert(claim.eventId)
                    report.boundAPIRefusal = "Gong's \(claim.api.rawValue) API answered \(status)"
                    if status == 401 || status == 403, !report.configuredAPIAnswered {
                        report.boundAPIRefusedLogin = true
                    }
                }
                if claim.api == options.api, case .response(let status, _, _, _) = result,
                    (200..<300).contains(status) || status == 409
                {
                    report.configuredAPIAnswered = true
                    report.boundAPIRefusedLogin = false
                }
                // A 429 without a usable Retry-After: pause for the backoff of the consecutive 429s (2 s, 4 s, …),
                // so a bare 429 storm ends the run after a few calls instead of spending the budget at 1 call/s.
                if case .rateLimited(let retryAfter, let requestId) = input {
                    consecutiveRateLimits += 1
                    if retryAfter == nil {
                        let pause = machine.policy.ceiling(afterAttempt: consecutiveRateLimits)
                        input = .rateLimited(retryAfterSeconds: Int(pause.rounded(.up)), requestId: requestId)
                    }
                } else {
                    consecutiveRateLimits = 0
                }
                let transition = machine.apply(input, attempt: claim.attempt, now: now, unitRandom: unitRandom())
                var update = OutboxUpdate(transition)
                update.attempt?.api = claim.api
                update.attempt?.mayHaveReachedGong = DeliveryOutcome.mayHaveReachedGong(result)
                if refusedByBoundAPI {
                    let line =
                        "Gong's \(claim.api.rawValue) API refused it (\(result)); kept on that API because an earlier attempt "
                        + "may have reached it"
                    update.lastError = line
                    update.attempt?.error = line
                }
                try ledger.record(claim, update, now: now)
                outstanding.removeFirst()
                if let until = transition.pauseUntil {
                    try account.pause(until: until, reason: "Gong answered 429 (\(result))", now: now)
                }
                tally(result: result, input: input, transition: transition, eventId: claim.eventId, into: &report)
                // The failure count is shared by every run of the account: increment or reset it in the state file
                // (one transaction), then decide on the shared count.
                // A refusal by an old API says nothing about the configured one: the shared count is left alone.
                let failed = !refusedByBoundAPI && SendingBreaker.isFailure(input)
                if !refusedByBoundAPI, failed || breaker.consecutiveFailures > 0 {
                    breaker.consecutiveFailures = try account.noteCall(
                        failed: failed, lastFailure: failed ? "\(result)" : nil, now: now)
                }
                if failed, breaker.isOpen {
                    report.stop = Self.outageStop(result, consecutive: breaker.consecutiveFailures)
                }
                if report.stop == nil, let reason = transition.stopReason { report.stop = .refused(reason) }
            }
        }
        // A 429 on the last due event leaves no later call to notice the pause: say so when it outlasts the wait.
        if report.stop == nil, report.rateLimited > 0, let pause = try account.pause(now: clock.now()),
            pause.until.timeIntervalSince(clock.now()) > options.maxWaitSeconds,
            try ledger.status(errorLimit: 0, undeliveredLimit: 0).waiting > 0
        {
            report.stop = .paused(until: pause.until, reason: pause.reason, maxWaitSeconds: options.maxWaitSeconds)
        }
    }

    /// How long an event kept on an old API that refused it waits before the next try (an hour).
    static let boundAPIRetrySeconds: TimeInterval = 3_600

    /// Whether an answer says the API itself is unavailable to this account (rather than the event being wrong).
    static func apiUnavailable(_ input: DeliveryInput) -> Bool {
        switch input {
        case .unauthorized: true
        case .unexpectedStatus(let status, _): status == 404 || status == 410
        default: false
        }
    }

    /// Moves a claimed event recorded for another API to the configured one, when it is not bound there: rebuilds
    /// its body and stores it with the claim. Returns `false` when the event must not be sent now: it became a dead
    /// letter (its record cannot make a valid body for the configured API), or the claim is no longer this run's. A
    /// bound event keeps its API and body.
    private func switchAPI(_ claim: inout ClaimedEvent, into report: inout Report) throws -> Bool {
        guard !claim.apiBound else {
            report.keptEventIDs.insert(claim.eventId)
            return true
        }
        let now = clock.now()
        switch rebuild(claim, options.api) {
        case .success(let body):
            switch try ledger.rebind(claim, api: options.api, body: body, now: now) {
            case .rebound:
                claim.body = body
                claim.api = options.api
                report.rebound += 1
            case .bound:
                report.keptEventIDs.insert(claim.eventId)
            case .notClaimed:
                return false
            }
            return true
        case .failure(let problem):
            let reason = "cannot be sent to Gong's \(options.api.rawValue) API: \(problem.reason)"
            try ledger.record(
                claim, OutboxUpdate(state: .dead, attempts: claim.attempt - 1, lastError: reason), now: now)
            report.dead += 1
            diagnostics?.line(
                "share-detector: dead letter: event \(claim.eventId) \(reason)", level: .warning,
                metadata: ["eventId": "\(claim.eventId)"])
            return false
        }
    }

    /// Why waiting for a slot ended the run's sending.
    struct SlotStop: Error {
        var stop: DeliveryStop
    }

    /// Waits for the account's pacing gate: the time the slot was reserved, or why sending must stop. Pauses are
    /// waited out while each lasts at most `maxWaitSeconds` and, together in this run, at most 5 × that.
    private func waitForSlot(pausedFor: inout TimeInterval) throws -> Result<Date, SlotStop> {
        while true {
            let now = clock.now()
            switch try account.reserveCallSlot(
                now: now, callsPerSecond: options.callsPerSecond, callsPerDay: options.callsPerDay)
            {
            case .go:
                return .success(now)
            case .dailyBudgetExhausted:
                return .failure(SlotStop(stop: .budgetExhausted(callsPerDay: options.callsPerDay)))
            case .waitUntil(let date):
                clock.sleep(until: date)
            case .paused(let until):
                let wait = until.timeIntervalSince(now)
                if wait > options.maxWaitSeconds || pausedFor + wait > 5 * options.maxWaitSeconds {
                    let reason = (try? account.pause(now: now))?.reason ?? "Gong answered 429"
                    return .failure(
                        SlotStop(stop: .paused(until: until, reason: reason, maxWaitSeconds: options.maxWaitSeconds)))
                }
                pausedFor += wait
                clock.sleep(until: until)
            }
            if RunInterruption.isRequested {
                return .failure(SlotStop(stop: .interrupted(signal: RunInterruption.signalName)))
            }
        }
    }

    /// Whether a transport failure happened before the request could reach Gong (so Gong did not count it).
    static func neverReachedGong(_ kind: GongTransportErrorKind) -> Bool {
        switch kind {
        case .connectionRefused, .dnsFailure, .tls: true
        case .timeout, .connectionReset, .other: false
        }
    }

    static func outageStop(_ result: GongCallResult, consecutive: Int) -> DeliveryStop {
        switch result {
        case .transportError(let kind, let message):
            .unreachable(kind: kind, message: message, consecutiveFailures: consecutive)
        case .response(let status, _, _, _):
            .failing(status: status, consecutiveFailures: consecutive)
        }
    }

    private func tally(
        result: GongCallResult, input: DeliveryInput, transition: DeliveryTransition, eventId: String,
        into report: inout Report
    ) {
        switch result {
        case .response(let status, _, _, _): report.answers[String(status), default: 0] += 1
        case .transportError(let kind, _): report.answers["transport:\(kind.rawValue)", default: 0] += 1
        }
        switch input {
        case .transportError, .serverError:
            report.lastFailure = "\(result)"
        case .rateLimited: report.rateLimited += 1
        case .ok, .conflict, .badRequest, .unauthorized, .unexpectedStatus: break
        }
        switch transition.state {
        case .delivered:
            if case .conflict = input { report.alreadyDelivered += 1 } else { report.delivered += 1 }
            report.deliveredIDs.append(eventId)
            onDelivered?()
        case .retry: report.retrying += 1
        case .dead(let letter):
            report.dead += 1
            diagnostics?.line(
                "share-detector: dead letter: event \(eventId): Gong answered \(letter.status.map(String.init) ?? "-"): "
                    + letter.errors.joined(separator: "; "), level: .warning,
                metadata: [
                    "eventId": "\(eventId)", "status": "\(letter.status.map(String.init) ?? "-")",
                    "requestId": "\(letter.requestId ?? "")",
                ])
        case .pending, .sending: break
        }
    }
}

/// Why a delivery pass stopped sending before the outbox was empty. Every case leaves the remaining events waiting
/// in the ledger for the next run.
public enum DeliveryStop: Sendable, Equatable {
    /// Gong answered 401/403 or an unexpected status.
    case refused(StopReason)
    /// Consecutive calls got no HTTP answer.
    case unreachable(kind: GongTransportErrorKind, message: String, consecutiveFailures: Int)
    /// Consecutive calls got a 5xx.
    case failing(status: Int, consecutiveFailures: Int)
    /// Gong's 429 pause lasts longer than the run is willing to wait.
    case paused(until: Date, reason: String, maxWaitSeconds: Double)
    /// The account's daily call budget is spent.
    case budgetExhausted(callsPerDay: Int)
    /// SIGINT or SIGTERM.
    case interrupted(signal: String)
    /// The ledger or the account state failed (a full disk, a database busy for too long).
    case stateError(String)

    /// The exit status this stop maps to: 3 when Gong refused, is unreachable or failing; 1 otherwise.
    public var exitCode: Int32 {
        switch self {
        case .refused, .unreachable, .failing: 3
        case .paused, .budgetExhausted, .interrupted, .stateError: 1
        }
    }
}
