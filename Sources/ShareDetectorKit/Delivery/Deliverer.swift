import Foundation
import GongEngagement
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
        /// Calls that failed at the transport level (no HTTP answer).
        public var transportFailures = 0
        /// Calls answered with a 5xx.
        public var serverErrors = 0
        /// Calls answered 429.
        public var rateLimited = 0
        /// Calls given back to the daily budget because they never reached Gong.
        public var refundedCalls = 0
        /// The last failed call, one line (transport error text or HTTP status), never a secret.
        public var lastFailure: String?
        /// Why sending stopped before the outbox was empty, if it did.
        public var stop: DeliveryStop?
        /// Delivered (200 or 409) event ids.
        public var deliveredIDs: [String] = []
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

        /// Options from a team config's `gong` settings.
        public init(settings: GongSettings, retryWindow: TimeInterval = 30, breakerThreshold: Int = 5) {
            callsPerSecond = max(1, Int(settings.callsPerSecond.rounded(.down)))
            callsPerDay = settings.callsPerDay
            maxWaitSeconds = settings.maxWaitSeconds
            self.retryWindow = retryWindow
            self.breakerThreshold = breakerThreshold
            batchSize = 20
        }
    }

    let ledger: ShareLedger
    let account: GongAccountState
    let send: (ClaimedEvent) -> GongCallResult
    let options: Options
    let machine: DeliveryStateMachine
    let clock: any DeliveryClock
    let diagnostics: OutputSink?
    /// A uniform draw from `0 ..< 1` for the backoff jitter (injected by tests).
    var unitRandom: () -> Double = { Double.random(in: 0..<1) }

    /// Creates a deliverer. Call ``run()`` only while holding the ledger's run lock: no other run can then be
    /// sending, so every row left `sending` belongs to a crashed run and is re-sent at once.
    ///
    /// - Parameters:
    ///   - send: makes one call for a claimed event (a `GongClient` call in production).
    ///   - clock: the time source and sleeper (injected by tests).
    public init(
        ledger: ShareLedger, account: GongAccountState, options: Options,
        machine: DeliveryStateMachine = DeliveryStateMachine(), clock: any DeliveryClock = SystemDeliveryClock(),
        diagnostics: OutputSink? = nil, send: @escaping (ClaimedEvent) -> GongCallResult
    ) {
        self.ledger = ledger
        self.account = account
        self.options = options
        self.machine = machine
        self.clock = clock
        self.diagnostics = diagnostics
        self.send = send
    }

    /// Creates a deliverer that sends with `client`.
    public convenience init(
        ledger: ShareLedger, account: GongAccountState, client: GongClient, options: Options,
        clock: any DeliveryClock = SystemDeliveryClock(), diagnostics: OutputSink? = nil
    ) {
        self.init(
            ledger: ledger, account: account, options: options, clock: clock, diagnostics: diagnostics,
            send: { client.putContentShared([UInt8]($0.body)) })
    }

    /// Delivers every due event until none is due or sending must stop.
    public func run() throws -> Report {
        var report = Report()
        var breaker = SendingBreaker(
            threshold: options.breakerThreshold, consecutiveFailures: try account.consecutiveFailures())
        var waitUntil: Date?
        outer: while report.stop == nil {
            if RunInterruption.isRequested {
                report.stop = .interrupted(signal: RunInterruption.signalName)
                break
            }
            let claims = try ledger.claimDue(now: clock.now(), limit: options.batchSize, staleAfter: 0)
            if claims.isEmpty {
                // Once nothing is due, retries falling due within the window are waited for; later ones are left
                // for the next run.
                let deadline = waitUntil ?? clock.now().addingTimeInterval(options.retryWindow)
                waitUntil = deadline
                guard let next = try ledger.nextRetryAt(), next <= deadline else { break }
                clock.sleep(until: next)
                continue
            }
            for (index, claim) in claims.enumerated() {
                if report.stop == nil, RunInterruption.isRequested {
                    report.stop = .interrupted(signal: RunInterruption.signalName)
                }
                if report.stop == nil, let stop = try waitForSlot() {
                    report.stop = stop
                }
                guard report.stop == nil else {
                    try ledger.release(Array(claims[index...]), now: clock.now())
                    break outer
                }
                let result = send(claim)
                report.calls += 1
                let now = clock.now()
                if case .transportError(let kind, _) = result, Self.neverReachedGong(kind) {
                    try account.refundCall(now: now)
                    report.refundedCalls += 1
                }
                let input = DeliveryOutcome.input(for: result)
                let transition = machine.apply(
                    input, attempt: claim.attempt, now: now, unitRandom: unitRandom())
                try ledger.record(claim, DeliveryOutcome.update(for: transition), now: now)
                if let until = transition.pauseUntil {
                    try account.pause(until: until, reason: "Gong answered 429 (\(result))", now: now)
                }
                tally(result: result, input: input, transition: transition, eventId: claim.eventId, into: &report)
                let before = breaker.consecutiveFailures
                if breaker.observe(input) == .stop {
                    report.stop = Self.outageStop(result, consecutive: breaker.consecutiveFailures)
                }
                if breaker.consecutiveFailures != before {
                    try account.setConsecutiveFailures(
                        breaker.consecutiveFailures, lastFailure: SendingBreaker.isFailure(input) ? "\(result)" : nil,
                        now: now)
                }
                if report.stop == nil, let reason = transition.stopReason { report.stop = .refused(reason) }
            }
        }
        return report
    }

    /// Waits for the account's pacing gate; returns why sending must stop instead, if it must.
    private func waitForSlot() throws -> DeliveryStop? {
        while true {
            let now = clock.now()
            switch try account.reserveCallSlot(
                now: now, callsPerSecond: options.callsPerSecond, callsPerDay: options.callsPerDay)
            {
            case .go:
                return nil
            case .dailyBudgetExhausted:
                return .budgetExhausted(callsPerDay: options.callsPerDay)
            case .waitUntil(let date):
                clock.sleep(until: date)
            case .paused(let until):
                let wait = until.timeIntervalSince(now)
                if wait > options.maxWaitSeconds {
                    let reason = (try? account.pause(now: now))?.reason ?? "Gong answered 429"
                    return .paused(until: until, reason: reason, maxWaitSeconds: options.maxWaitSeconds)
                }
                clock.sleep(until: until)
            }
            if RunInterruption.isRequested { return .interrupted(signal: RunInterruption.signalName) }
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
        switch input {
        case .transportError:
            report.transportFailures += 1
            report.lastFailure = "\(result)"
        case .serverError:
            report.serverErrors += 1
            report.lastFailure = "\(result)"
        case .rateLimited: report.rateLimited += 1
        case .ok, .conflict, .badRequest, .unauthorized, .unexpectedStatus: break
        }
        switch transition.state {
        case .delivered:
            if case .conflict = input { report.alreadyDelivered += 1 } else { report.delivered += 1 }
            report.deliveredIDs.append(eventId)
        case .retry: report.retrying += 1
        case .dead(let letter):
            report.dead += 1
            diagnostics?.line(
                "share-detector: dead letter: event \(eventId): Gong answered \(letter.status.map(String.init) ?? "-"): "
                    + letter.errors.joined(separator: "; "))
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

    /// The exit status this stop maps to: 3 when Gong refused, is unreachable or failing; 1 otherwise.
    public var exitCode: Int32 {
        switch self {
        case .refused, .unreachable, .failing: 3
        case .paused, .budgetExhausted, .interrupted: 1
        }
    }
}
