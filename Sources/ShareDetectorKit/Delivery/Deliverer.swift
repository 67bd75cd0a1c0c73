import Foundation
import GongEngagement
import ShareLedger

/// The delivery loop: claims due events from the ledger, paces calls, sends each once, records the outcome.
///
/// Every event was committed to the ledger before this runs; a crash anywhere leaves it `sending`, and the next run
/// re-sends it after the stale-claim timeout — Gong's 409 then records it as delivered. Nothing is lost, nothing is
/// shown twice.
public final class Deliverer {
    /// What one delivery pass did.
    public struct Report: Sendable, Equatable {
        /// Calls made.
        public var calls = 0
        /// Events Gong accepted (200).
        public var delivered = 0
        /// Events Gong already had (409): delivered too.
        public var alreadyDelivered = 0
        /// Events scheduled for a retry.
        public var retrying = 0
        /// Events that went dead (400, or too many failures).
        public var dead = 0
        /// Calls that failed at the transport level (no HTTP answer).
        public var transportFailures = 0
        /// Why the run stopped early (401/403, unexpected status), if it did.
        public var stopReason: StopReason?
        /// True when the daily call budget ran out.
        public var budgetExhausted = false
        /// Delivered (200 or 409) event ids.
        public var deliveredIDs: [String] = []
    }

    let ledger: ShareLedger
    let client: GongClient
    let settings: GongSettings
    let machine: DeliveryStateMachine
    let diagnostics: OutputSink?
    /// How long to wait, at the end, for retries that fall due soon (429 `Retry-After`, short backoffs).
    let retryWindow: TimeInterval

    /// Creates a deliverer. Call ``run()`` only while holding the ledger's run lock: no other run can then be
    /// sending, so every row left `sending` belongs to a crashed run and is re-sent at once (Gong answers 409 for
    /// what it already has).
    public init(
        ledger: ShareLedger, client: GongClient, settings: GongSettings,
        machine: DeliveryStateMachine = DeliveryStateMachine(), diagnostics: OutputSink? = nil,
        retryWindow: TimeInterval = 30
    ) {
        self.ledger = ledger
        self.client = client
        self.settings = settings
        self.machine = machine
        self.diagnostics = diagnostics
        self.retryWindow = retryWindow
    }

    /// Delivers every due event, in batches, until none is due, the budget is spent or the run must stop.
    public func run() throws -> Report {
        var report = Report()
        var generator = SystemRandomNumberGenerator()
        let perSecond = max(1, Int(settings.callsPerSecond.rounded(.down)))
        var waitUntil: Date?
        while report.stopReason == nil && !report.budgetExhausted {
            let claims = try ledger.claimDue(now: Date(), limit: 20, staleAfter: 0)
            if claims.isEmpty {
                // Once nothing is due, retries falling due within the window are waited for; later ones are left
                // for the next run.
                let deadline = waitUntil ?? Date().addingTimeInterval(retryWindow)
                waitUntil = deadline
                guard let next = try ledger.nextRetryAt(), next <= deadline else { break }
                Thread.sleep(forTimeInterval: min(max(next.timeIntervalSinceNow, 0.05), 5))
                continue
            }
            for (index, claim) in claims.enumerated() {
                if report.stopReason != nil || report.budgetExhausted {
                    try ledger.release(Array(claims[index...]))
                    break
                }
                guard try waitForSlot(callsPerSecond: perSecond) else {
                    report.budgetExhausted = true
                    try ledger.release(Array(claims[index...]))
                    break
                }
                let result = client.putContentShared([UInt8](claim.body))
                report.calls += 1
                let input = DeliveryOutcome.input(for: result)
                let transition = machine.apply(
                    input, attempt: claim.attempt, now: Date(), enqueuedAt: claim.enqueuedAt,
                    unitRandom: Double.random(in: 0..<1, using: &generator))
                try ledger.record(claim, DeliveryOutcome.update(for: transition))
                tally(input: input, transition: transition, eventId: claim.eventId, into: &report)
            }
        }
        return report
    }

    /// Waits for the pacing gate; `false` when today's budget is spent.
    private func waitForSlot(callsPerSecond: Int) throws -> Bool {
        while true {
            switch try ledger.reserveCallSlot(
                now: Date(), callsPerSecond: callsPerSecond, callsPerDay: settings.callsPerDay)
            {
            case .go: return true
            case .dailyBudgetExhausted: return false
            case .waitUntil(let date):
                let delay = date.timeIntervalSinceNow
                if delay > 0 { Thread.sleep(forTimeInterval: min(delay, 5)) }
            }
        }
    }

    private func tally(input: DeliveryInput, transition: DeliveryTransition, eventId: String, into report: inout Report)
    {
        if case .transportError = input { report.transportFailures += 1 }
        switch transition.state {
        case .delivered:
            if case .conflict = input { report.alreadyDelivered += 1 } else { report.delivered += 1 }
            report.deliveredIDs.append(eventId)
        case .retry: report.retrying += 1
        case .dead(let letter):
            report.dead += 1
            diagnostics?.line(
                "dead letter: event \(eventId): \(letter.reason.rawValue) \(letter.errors.joined(separator: "; "))")
        case .pending, .sending: break
        }
        if let reason = transition.stopReason { report.stopReason = reason }
    }
}
