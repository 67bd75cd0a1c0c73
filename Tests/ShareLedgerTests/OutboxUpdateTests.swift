import Foundation
import GongEngagement
import ShareLedger
import Testing

/// The outbox row a delivery transition leaves (`OutboxUpdate(transition)`): what `record` stores for each state.
@Suite("A delivery transition's outbox row")
struct OutboxUpdateTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func attempt(_ status: Int?, _ error: String?, requestId: String? = nil) -> DeliveryAction {
        .recordAttempt(AttemptRecord(at: t0, attempt: 2, status: status, requestId: requestId, error: error))
    }

    @Test func deliveredKeepsGongsRequestIdAndTheAttempt() {
        let update = OutboxUpdate(
            DeliveryTransition(
                state: .delivered(requestId: "req-1"), attemptsUsed: 2,
                actions: [attempt(200, nil, requestId: "req-1")]))
        #expect(update.state == .delivered)
        #expect(update.attempts == 2)
        #expect(update.gongRequestId == "req-1")
        #expect(update.lastStatus == 200)
        #expect(update.lastError == nil)
        #expect(update.attempt == AttemptEntry(at: t0, status: 200, gongRequestId: "req-1", error: nil))
    }

    @Test func retryKeepsItsDueTimeAndTheFailure() {
        let due = t0.addingTimeInterval(30)
        let update = OutboxUpdate(
            DeliveryTransition(state: .retry(at: due, attempt: 2), attemptsUsed: 2, actions: [attempt(503, "503")]))
        #expect(update.state == .retry)
        #expect(update.nextAttemptAt == due)
        #expect(update.lastStatus == 503)
        #expect(update.lastError == "503")
        #expect(update.attempt?.error == "503")
    }

    @Test func deadKeepsTheLettersReasonErrorsAndRequestId() {
        let letter = DeadLetter(reason: .badRequest, status: 400, errors: ["title: too long"], requestId: "req-9")
        let update = OutboxUpdate(
            DeliveryTransition(state: .dead(letter), attemptsUsed: 1, actions: [attempt(400, "title: too long")]))
        #expect(update.state == .dead)
        #expect(update.attempts == 1)
        #expect(update.gongRequestId == "req-9")
        #expect(update.lastStatus == 400)
        #expect(update.lastError == "badRequest; title: too long")
    }

    @Test func aTransitionBackToPendingOrSendingIsStoredAsPending() {
        for state in [DeliveryState.pending, .sending(attempt: 3)] {
            let update = OutboxUpdate(
                DeliveryTransition(state: state, attemptsUsed: 1, actions: [attempt(401, "401 unauthorized")]))
            #expect(update.state == .pending)
            #expect(update.attempts == 1)
            #expect(update.nextAttemptAt == nil)
            #expect(update.lastError == "401 unauthorized")
        }
    }
}
