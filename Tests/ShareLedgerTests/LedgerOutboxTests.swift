import Foundation
import ShareLedger
import Testing

@Suite("ShareLedger outbox")
struct LedgerOutboxTests {
    @Test("claimDue moves due rows to sending, oldest first, and never twice", arguments: LedgerBackend.available)
    func claimBasics(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.commit(events: (0..<5).map { sampleEvent("e\($0)") }, checkpoint: nil, for: "s", now: t0)
        let first = try ledger.claimDue(now: t0, limit: 3)
        #expect(first.map(\.eventId) == ["e0", "e1", "e2"])
        #expect(first.allSatisfy { $0.attempt == 1 && $0.enqueuedAt == t0 })
        #expect(first[0].body == sampleEvent("e0").body)
        let second = try ledger.claimDue(now: t0, limit: 10)
        #expect(second.map(\.eventId) == ["e3", "e4"])
        #expect(try ledger.claimDue(now: t0, limit: 10).isEmpty)
        #expect(try ledger.claimDue(now: t0, limit: 0).isEmpty)
        #expect(try ledger.status().counts[.sending] == 5)
    }

    @Test(
        "two ledger instances on one file claiming concurrently never get the same event",
        arguments: LedgerBackend.available)
    func claimExclusivity(backend: LedgerBackend) async throws {
        let temp = try TestLedger(backend)
        let setup = try temp.open()
        let ids = (0..<200).map { "ev-\($0)" }
        try setup.commit(events: ids.map { sampleEvent($0) }, checkpoint: nil, for: "s", now: t0)
        let a = try temp.open()
        let b = try temp.open()

        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for ledger in [a, b, a, b] {
                group.addTask {
                    var mine: [String] = []
                    while true {
                        let batch = try ledger.claimDue(now: t0, limit: 7)
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.eventId)
                    }
                }
            }
            var all: [[String]] = []
            for try await part in group { all.append(part) }
            return all
        }
        let flat = claimed.flatMap { $0 }
        #expect(flat.count == ids.count, "every event claimed exactly once")
        #expect(Set(flat) == Set(ids))
    }

    @Test(
        "a row left sending by a crashed run is reclaimed after the timeout, and the stale claim is superseded",
        arguments: LedgerBackend.available)
    func staleSending(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.insert(sampleEvent("e"), now: t0)
        let crashed = try #require(try ledger.claimDue(now: t0, limit: 1).first)

        #expect(try ledger.claimDue(now: t0.addingTimeInterval(119), limit: 1).isEmpty)
        let reclaimed = try #require(try ledger.claimDue(now: t0.addingTimeInterval(120), limit: 1).first)
        #expect(reclaimed.eventId == "e")
        #expect(reclaimed.attempt == 1)
        #expect(reclaimed.claimToken != crashed.claimToken)

        // The crashed run's late answer is logged but does not move the row.
        let late = OutboxUpdate(
            state: .retry, attempts: 1, nextAttemptAt: t0, lastStatus: 500, lastError: "server error",
            attempt: AttemptEntry(at: t0, status: 500, gongRequestId: nil, error: "server error"))
        #expect(try ledger.record(crashed, late, now: t0) == .superseded(current: .sending))
        // The new owner's 409 → delivered.
        let delivered = OutboxUpdate(
            state: .delivered, attempts: 1, gongRequestId: "g409",
            attempt: AttemptEntry(at: t0, status: 409, gongRequestId: "g409", error: nil))
        #expect(try ledger.record(reclaimed, delivered, now: t0) == .applied)
        let entry = try #require(try ledger.outboxEntry(for: "e"))
        #expect(entry.state == .delivered)
        #expect(entry.gongRequestId == "g409")
        #expect(try ledger.attempts(for: "e").map(\.status) == [500, 409])
    }

    @Test(
        "a delivered outcome from a superseded claim still wins: Gong has the event", arguments: LedgerBackend.available
    )
    func deliveredWins(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.insert(sampleEvent("e"), now: t0)
        let old = try #require(try ledger.claimDue(now: t0, limit: 1).first)
        _ = try ledger.claimDue(now: t0.addingTimeInterval(200), limit: 1)
        let ok = OutboxUpdate(state: .delivered, attempts: 1, gongRequestId: "g200")
        #expect(try ledger.record(old, ok, now: t0) == .applied)
        #expect(try ledger.outboxEntry(for: "e")?.state == .delivered)
        // Nothing moves a delivered row back.
        let retry = OutboxUpdate(state: .retry, attempts: 2, nextAttemptAt: t0)
        #expect(try ledger.record(old, retry, now: t0) == .superseded(current: .delivered))
        #expect(try ledger.claimDue(now: t0.addingTimeInterval(1_000), limit: 5).isEmpty)
    }

    @Test(
        "retry rows are due at next_attempt_at with the next attempt number; dead rows never",
        arguments: LedgerBackend.available)
    func retryAndDead(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.commit(events: [sampleEvent("r"), sampleEvent("d")], checkpoint: nil, for: "s", now: t0)
        let claims = try ledger.claimDue(now: t0, limit: 2)
        let retryAt = t0.addingTimeInterval(30)
        try ledger.record(
            claims[0],
            OutboxUpdate(
                state: .retry, attempts: 1, nextAttemptAt: retryAt, lastStatus: 503, lastError: "HTTP 503: server error"
            ),
            now: t0)
        try ledger.record(
            claims[1],
            OutboxUpdate(state: .dead, attempts: 1, lastStatus: 400, lastError: "contentUrl is invalid"), now: t0)

        #expect(try ledger.claimDue(now: t0.addingTimeInterval(29), limit: 5).isEmpty)
        let again = try ledger.claimDue(now: retryAt, limit: 5)
        #expect(again.map(\.eventId) == ["r"])
        #expect(again.first?.attempt == 2)

        let status = try ledger.status()
        #expect(status.counts[.dead] == 1)
        #expect(status.counts[.sending] == 1)
        #expect(status.lastErrors.map(\.eventId).sorted() == ["d", "r"])
        #expect(status.lastErrors.first { $0.eventId == "d" }?.status == 400)

        let undelivered = try ledger.status().undelivered
        #expect(undelivered.map(\.eventId).sorted() == ["d", "r"])
        // The sample's message key is not a "mid:" key: no Message-ID to show.
        #expect(undelivered.first { $0.eventId == "d" }?.messageId == nil)
        #expect(undelivered.first { $0.eventId == "d" }?.lastStatus == 400)

        let rebuilt = Data(#"{"eventId":"d","fixed":true}"#.utf8)
        #expect(try ledger.requeueCandidates(RequeueSelection(deadOnly: true)).map(\.eventId) == ["d"])
        #expect(
            try ledger.requeue(
                eventId: "d", body: rebuilt, rebuilt: true, api: nil, moveBound: false, now: t0.addingTimeInterval(60)))
        #expect(try ledger.outboxEntry(for: "d")?.state == .pending)
        #expect(try ledger.outboxEntry(for: "d")?.attempts == 0)
        #expect(try ledger.body(of: "d") == rebuilt)
        let history = try ledger.requeueHistory(for: "d")
        #expect(history.count == 1)
        #expect(history.first?.previousState == .dead)
        #expect(history.first?.previousStatus == 400)
        #expect(history.first?.previousError == "contentUrl is invalid")

        // A delivered event is never requeued: Gong has it.
        let claim = try #require(
            try ledger.claimDue(now: t0.addingTimeInterval(61), limit: 5).first { $0.eventId == "d" })
        try ledger.record(claim, OutboxUpdate(state: .delivered, attempts: 1, gongRequestId: "g1"), now: t0)
        #expect(try ledger.requeue(eventId: "d", body: rebuilt, rebuilt: true) == false)
        #expect(try ledger.outboxEntry(for: "d")?.state == .delivered)
        #expect(try ledger.requeueCandidates(RequeueSelection(eventIds: ["d"])).isEmpty)
    }

    @Test("released claims go back to pending; a stopped run loses nothing", arguments: LedgerBackend.available)
    func release(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.commit(events: (0..<3).map { sampleEvent("e\($0)") }, checkpoint: nil, for: "s", now: t0)
        let claims = try ledger.claimDue(now: t0, limit: 3)
        try ledger.record(
            claims[0], OutboxUpdate(state: .pending, attempts: 0, lastStatus: 401, lastError: "unauthorized"), now: t0)
        try ledger.release(Array(claims.dropFirst()), now: t0)
        #expect(try ledger.status().counts[.pending] == 3)
        #expect(try ledger.claimDue(now: t0, limit: 5).count == 3)
    }

    @Test("recording for an unknown event is an error", arguments: LedgerBackend.available)
    func unknownEvent(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        #expect(throws: LedgerError.self) {
            try ledger.record(eventId: "nope", claimToken: nil, OutboxUpdate(state: .delivered, attempts: 1))
        }
    }
}
