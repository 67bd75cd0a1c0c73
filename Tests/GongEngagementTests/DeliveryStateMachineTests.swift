import Foundation
import GongEngagement
import Testing

@Suite("DeliveryStateMachine")
struct DeliveryStateMachineTests {
    let machine = DeliveryStateMachine(
        policy: RetryPolicy(baseDelay: 2, maxDelay: 1_800))
    let enqueued = Date(timeIntervalSince1970: 1_700_000_000)
    var now: Date { enqueued.addingTimeInterval(60) }

    func apply(_ input: DeliveryInput, attempt: Int = 1, at time: Date? = nil, jitter: Double = 0.5)
        -> DeliveryTransition
    {
        machine.apply(input, attempt: attempt, now: time ?? now, unitRandom: jitter)
    }

    // MARK: claim

    @Test("pending is claimed as attempt 1; a due retry as the next attempt; others are not claimable")
    func claims() {
        #expect(machine.claim(.pending, now: now) == .sending(attempt: 1))
        #expect(machine.claim(.retry(at: now, attempt: 2), now: now) == .sending(attempt: 3))
        #expect(machine.claim(.retry(at: now.addingTimeInterval(1), attempt: 2), now: now) == nil)
        #expect(machine.claim(.sending(attempt: 1), now: now) == nil)
        #expect(machine.claim(.delivered(requestId: "r"), now: now) == nil)
        #expect(machine.claim(.dead(DeadLetter(reason: .badRequest)), now: now) == nil)
    }

    // MARK: success

    @Test("200 → delivered with Gong's requestId")
    func ok() {
        let transition = apply(.ok(requestId: "4al018gzaztcr8nbukw"), attempt: 2)
        #expect(transition.state == .delivered(requestId: "4al018gzaztcr8nbukw"))
        #expect(transition.attemptsUsed == 2)
        #expect(
            transition.actions == [
                .recordAttempt(
                    AttemptRecord(at: now, attempt: 2, status: 200, requestId: "4al018gzaztcr8nbukw", error: nil))
            ])
        #expect(transition.stopReason == nil)
        #expect(transition.state.isFinal)
    }

    @Test("409 → delivered (already reported by an earlier send)")
    func conflict() {
        let transition = apply(.conflict(requestId: "x"), attempt: 3)
        #expect(transition.state == .delivered(requestId: "x"))
        #expect(transition.attempt?.status == 409)
        #expect(transition.attempt?.error == nil)
        #expect(apply(.conflict()).state == .delivered(requestId: nil))
    }

    // MARK: transient

    @Test("429 with Retry-After → retry exactly then, and the attempt is refunded")
    func rateLimited() {
        let transition = apply(.rateLimited(retryAfterSeconds: 7), attempt: 3, jitter: 0.9)
        let at = now.addingTimeInterval(7)
        #expect(transition.state == .retry(at: at, attempt: 2))
        #expect(transition.attemptsUsed == 2)
        #expect(transition.actions.count == 3)
        #expect(transition.actions.contains(.scheduleRetry(at: at)))
        #expect(transition.actions.last == .pauseSending(until: at), "a 429 pauses the whole sender")
        #expect(transition.pauseUntil == at)
        #expect(transition.attempt?.status == 429)
    }

    @Test("429 without Retry-After → backoff")
    func rateLimitedWithoutHeader() {
        let transition = apply(.rateLimited(retryAfterSeconds: nil), attempt: 3, jitter: 0.5)
        #expect(transition.state == .retry(at: now.addingTimeInterval(4), attempt: 2))
    }

    @Test("429 never makes an event dead by attempts, however many")
    func rateLimitedManyTimes() {
        let transition = apply(.rateLimited(retryAfterSeconds: 1), attempt: 50)
        #expect(transition.state == .retry(at: now.addingTimeInterval(1), attempt: 49))
    }

    @Test(
        "5xx and transport errors → retry after the jittered backoff",
        arguments: [
            DeliveryInput.serverError(status: 500), .serverError(status: 503, requestId: "r"),
            .serverError(status: 408), .transportError(.timeout), .transportError(.connectionFailed),
            .transportError(.connectionReset), .transportError(.dnsFailure), .transportError(.tlsFailure),
            .transportError(.other),
        ])
    func transient(_ input: DeliveryInput) {
        let transition = apply(input, attempt: 3, jitter: 0.25)
        let at = now.addingTimeInterval(2)  // 0.25 × ceiling(3) = 0.25 × 8
        #expect(transition.state == .retry(at: at, attempt: 3))
        #expect(transition.attemptsUsed == 3)
        #expect(transition.actions.last == .scheduleRetry(at: at))
        #expect(transition.attempt?.error != nil)
        #expect(transition.stopReason == nil)
    }

    @Test("a transient failure never makes an event dead, however many attempts or however old")
    func transientNeverDies() {
        let thirtyHoursLater = enqueued.addingTimeInterval(30 * 3_600)
        let weeksLater = enqueued.addingTimeInterval(40 * 86_400)
        for input in [
            DeliveryInput.serverError(status: 502, requestId: "q"), .transportError(.connectionFailed),
            .transportError(.timeout), .rateLimited(retryAfterSeconds: 1), .rateLimited(retryAfterSeconds: nil),
        ] {
            for (attempt, time) in [(5, thirtyHoursLater), (500, weeksLater), (Int.max / 2, weeksLater)] {
                let transition = apply(input, attempt: attempt, at: time, jitter: 0.999)
                #expect(transition.state.name == .retry, "\(input) at attempt \(attempt)")
                #expect(!transition.state.isFinal)
                guard case .retry(let at, _) = transition.state else { continue }
                // Capped: never more than 30 minutes between tries (a 429's Retry-After aside).
                #expect(at.timeIntervalSince(time) <= 1_800)
            }
        }
    }

    @Test("a 5xx's Retry-After is honoured when it is longer than the backoff, clamped to a day; not the pause")
    func serverErrorRetryAfter() {
        func delay(_ input: DeliveryInput, attempt: Int) -> Double? {
            let transition = apply(input, attempt: attempt, at: now, jitter: 0.5)
            guard case .retry(let at, _) = transition.state else { return nil }
            #expect(!transition.actions.contains { if case .pauseSending = $0 { true } else { false } })
            return at.timeIntervalSince(now)
        }
        #expect(delay(.serverError(status: 503, retryAfterSeconds: 600), attempt: 1) == 600)
        #expect(
            delay(.serverError(status: 503, retryAfterSeconds: 1), attempt: 8)
                == delay(.serverError(status: 503), attempt: 8))
        #expect(delay(.serverError(status: 503, retryAfterSeconds: 10_000_000), attempt: 1) == 86_400)
        #expect(
            delay(.serverError(status: 503, retryAfterSeconds: -5), attempt: 1)
                == delay(.serverError(status: 503), attempt: 1))
    }

    @Test("the attempt count is kept for reports: transient failures count, 429s do not")
    func attemptsAreCounted() {
        #expect(apply(.serverError(status: 500), attempt: 41).attemptsUsed == 41)
        #expect(apply(.transportError(.timeout), attempt: 41).attemptsUsed == 41)
        #expect(apply(.rateLimited(retryAfterSeconds: 2), attempt: 41).attemptsUsed == 40)
    }

    // MARK: permanent

    @Test("400 → dead with Gong's errors, never retried")
    func badRequest() {
        let transition = apply(.badRequest(errors: ["contentUrl is invalid", "x"], requestId: "r4"), attempt: 1)
        #expect(
            transition.state
                == .dead(
                    DeadLetter(
                        reason: .badRequest, status: 400, errors: ["contentUrl is invalid", "x"], requestId: "r4")))
        #expect(transition.attempt?.error == "contentUrl is invalid; x")
        #expect(!transition.actions.contains { if case .scheduleRetry = $0 { true } else { false } })
    }

    @Test("401 and 403 → back to pending, attempt refunded, and the run stops", arguments: [401, 403])
    func unauthorized(_ status: Int) {
        let transition = apply(.unauthorized(status: status), attempt: 2)
        #expect(transition.state == .pending)
        #expect(transition.attemptsUsed == 1)
        #expect(transition.stopReason == .unauthorized(status: status))
        #expect(
            transition.actions.first
                == .recordAttempt(AttemptRecord(at: now, attempt: 2, input: .unauthorized(status: status))))
        #expect(transition.stopReason?.description.contains("credentials") == true)
    }

    @Test("an unexpected status → back to pending and the run stops")
    func unexpectedStatus() {
        let transition = apply(.unexpectedStatus(status: 404), attempt: 1)
        #expect(transition.state == .pending)
        #expect(transition.attemptsUsed == 0)
        #expect(transition.stopReason == .unexpectedStatus(status: 404))
    }

    // MARK: guards

    @Test("a response for a state that is not sending is ignored")
    func notSending() {
        for state in [DeliveryState.pending, .delivered(requestId: nil), .retry(at: now, attempt: 1)] {
            #expect(
                machine.apply(.ok(requestId: "r"), to: state, now: now, unitRandom: 0) == nil)
        }
        let transition = machine.apply(
            .ok(requestId: "r"), to: .sending(attempt: 4), now: now, unitRandom: 0)
        #expect(transition?.state == .delivered(requestId: "r"))
        #expect(transition?.attemptsUsed == 4)
    }

    @Test("a full life: 500, timeout, 429, then 409 — with an injected clock")
    func fullLife() {
        var clock = now
        var state = DeliveryState.pending
        let inputs: [DeliveryInput] = [
            .serverError(status: 500), .transportError(.timeout), .rateLimited(retryAfterSeconds: 3),
            .conflict(requestId: "r"),
        ]
        var attempts: [Int] = []
        for input in inputs {
            guard let sending = machine.claim(state, now: clock), case .sending(let attempt) = sending else {
                Issue.record("not claimable: \(state)")
                return
            }
            attempts.append(attempt)
            let transition = machine.apply(input, to: sending, now: clock, unitRandom: 1)
            state = transition?.state ?? state
            if case .retry(let at, _) = state {
                #expect(machine.claim(state, now: at.addingTimeInterval(-0.001)) == nil)
                clock = at
            }
        }
        #expect(attempts == [1, 2, 3, 3])
        #expect(state == .delivered(requestId: "r"))
        #expect(clock == now.addingTimeInterval(2 + 4 + 3))
    }

    @Test("state names are the ledger's")
    func names() {
        #expect(
            [
                DeliveryState.pending, .sending(attempt: 1), .delivered(requestId: nil), .retry(at: now, attempt: 1),
                .dead(DeadLetter(reason: .badRequest)),
            ].map(\.name.rawValue) == ["pending", "sending", "delivered", "retry", "dead"])
    }
}

@Suite("SendingBreaker")
struct SendingBreakerTests {
    @Test("consecutive transport failures and 5xx stop sending at the threshold; any other answer resets")
    func threshold() {
        var breaker = SendingBreaker(threshold: 3)
        #expect(breaker.observe(.transportError(.connectionFailed)) == .keepSending)
        #expect(breaker.observe(.serverError(status: 503)) == .keepSending)
        #expect(breaker.observe(.transportError(.timeout)) == .stop)
        #expect(breaker.isOpen)
        var reset = SendingBreaker(threshold: 3, consecutiveFailures: 2)
        #expect(reset.observe(.rateLimited(retryAfterSeconds: 1)) == .keepSending, "a 429 proves Gong is up")
        #expect(reset.consecutiveFailures == 0)
        for answer in [DeliveryInput.ok(requestId: nil), .conflict(), .badRequest(errors: [], requestId: nil)] {
            var breaker = SendingBreaker(threshold: 3, consecutiveFailures: 2)
            #expect(breaker.observe(answer) == .keepSending)
            #expect(breaker.consecutiveFailures == 0)
        }
    }

    @Test("an open breaker (persisted from an earlier run) lets one probe through: its failure stops at once")
    func probe() {
        var failing = SendingBreaker(threshold: 5, consecutiveFailures: 5)
        #expect(failing.isOpen)
        #expect(failing.observe(.transportError(.connectionFailed)) == .stop)
        var recovered = SendingBreaker(threshold: 5, consecutiveFailures: 9)
        #expect(recovered.observe(.ok(requestId: "r")) == .keepSending)
        #expect(!recovered.isOpen)
    }
}
