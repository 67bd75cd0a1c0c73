import Foundation
import GRDB
import GongEngagement
import Testing

@testable import ShareLedger

@Suite("The ledger records each event's Gong API and binds it once an attempt may have reached Gong")
struct LedgerAPITests {
    func event(_ id: String, api: GongAPI) -> LedgerEvent {
        var event = sampleEvent(id)
        event.api = api
        event.detection = Data(#"{"messageKey":"mid:\#(id)"}"#.utf8)
        return event
    }

    @Test(
        "a new event keeps its API; a claim carries the API, the binding and the detection record",
        arguments: LedgerBackend.available)
    func claimCarriesAPI(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.insert(event("a", api: .digitalInteraction), now: t0)
        let claim = try #require(try ledger.claimDue(now: t0, limit: 10).first)
        #expect(claim.api == .digitalInteraction)
        #expect(claim.apiBound == false)
        #expect(claim.detection == Data(#"{"messageKey":"mid:a"}"#.utf8))
        #expect(try ledger.api(of: "a")?.api == .digitalInteraction)
    }

    @Test(
        "rebind replaces body and API of an unbound event held by the claim, and of nothing else",
        arguments: LedgerBackend.available)
    func rebindOnlyUnboundAndOwned(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.insert(event("a", api: .contentShared), now: t0)
        let claim = try #require(try ledger.claimDue(now: t0, limit: 10).first)
        var stale = claim
        stale.claimToken = "someone-else"
        #expect(try ledger.rebind(stale, api: .digitalInteraction, body: Data("{}".utf8), now: t0) == .notClaimed)
        #expect(try ledger.api(of: "a")?.api == .contentShared)

        let body = Data(#"{"eventId":"a","timestamp":"x"}"#.utf8)
        #expect(try ledger.rebind(claim, api: .digitalInteraction, body: body, now: t0) == .rebound)
        #expect(try ledger.api(of: "a")?.api == .digitalInteraction)
        #expect(try ledger.body(of: "a") == body)
    }

    @Test(
        "an attempt that may have reached Gong binds the event; a refused connection or a 429 does not",
        arguments: LedgerBackend.available)
    func attemptsBind(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.insert(event("a", api: .contentShared), now: t0)
        var claim = try #require(try ledger.claimDue(now: t0, limit: 10).first)
        try ledger.record(
            claim,
            OutboxUpdate(
                state: .retry, attempts: 1, nextAttemptAt: t0, lastStatus: 429,
                attempt: AttemptEntry(
                    at: t0, status: 429, gongRequestId: nil, error: "429", api: .contentShared,
                    mayHaveReachedGong: false)),
            now: t0)
        #expect(try ledger.api(of: "a")?.bound == false)
        #expect(try ledger.attempts(for: "a").map(\.api) == [GongAPI.contentShared])

        claim = try #require(try ledger.claimDue(now: t0, limit: 10).first)
        #expect(claim.apiBound == false)
        try ledger.record(
            claim,
            OutboxUpdate(
                state: .retry, attempts: 2, nextAttemptAt: t0,
                attempt: AttemptEntry(
                    at: t0, status: nil, gongRequestId: nil, error: "timeout", api: .contentShared,
                    mayHaveReachedGong: true)),
            now: t0)
        #expect(try ledger.api(of: "a")?.bound == true)
        claim = try #require(try ledger.claimDue(now: t0, limit: 10).first)
        #expect(claim.apiBound)
        #expect(try ledger.rebind(claim, api: .digitalInteraction, body: Data("{}".utf8), now: t0) == .bound)
        #expect(try ledger.api(of: "a")?.api == .contentShared)
    }

    @Test(
        "a call in flight binds the event until its outcome is recorded: a crash mid-call never changes its API",
        arguments: LedgerBackend.available)
    func inFlightBinds(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        do {
            let ledger = try temp.open()
            try ledger.insert(event("a", api: .contentShared), now: t0)
            let claim = try #require(try ledger.claimDue(now: t0, limit: 10).first)
            try ledger.markInFlight(claim)
            // The process dies here, after the request left and before the answer was recorded.
        }
        let ledger = try temp.open()
        let reclaimed = try #require(try ledger.claimDue(now: t0, limit: 10, staleAfter: 0).first)
        #expect(reclaimed.apiBound)
        #expect(try ledger.rebind(reclaimed, api: .digitalInteraction, body: Data("{}".utf8), now: t0) == .bound)
        #expect(throws: LedgerError.self) {
            try ledger.requeue(eventId: "a", body: Data("{}".utf8), rebuilt: true, api: .digitalInteraction)
        }
        // The next call turns the dead run's mark into a binding: whatever it gets, the first call may have
        // reached Gong.
        try ledger.markInFlight(reclaimed)
        try ledger.record(
            reclaimed,
            OutboxUpdate(
                state: .retry, attempts: 1, nextAttemptAt: t0,
                attempt: AttemptEntry(
                    at: t0, status: 429, gongRequestId: nil, error: "429", api: .contentShared,
                    mayHaveReachedGong: false)),
            now: t0)
        #expect(try ledger.api(of: "a")?.bound == true)

        // Without a dead run, an answer that proves Gong never stored the event (a 429) clears the mark and leaves
        // the event free to move.
        try ledger.insert(event("b", api: .contentShared), now: t0)
        let fresh = try #require(try ledger.claimDue(now: t0, limit: 10).first { $0.eventId == "b" })
        try ledger.markInFlight(fresh)
        #expect(try ledger.api(of: "b")?.bound == true, "bound while the call is in flight")
        try ledger.record(
            fresh,
            OutboxUpdate(
                state: .retry, attempts: 1, nextAttemptAt: t0,
                attempt: AttemptEntry(
                    at: t0, status: 429, gongRequestId: nil, error: "429", api: .contentShared,
                    mayHaveReachedGong: false)),
            now: t0)
        #expect(try ledger.api(of: "b")?.bound == false)
    }

    @Test("an operator's --move-api requeue moves a bound event and unbinds it", arguments: LedgerBackend.available)
    func moveBound(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.insert(event("a", api: .contentShared), now: t0)
        let claim = try #require(try ledger.claimDue(now: t0, limit: 10).first)
        try ledger.markInFlight(claim)
        try ledger.record(
            claim,
            OutboxUpdate(
                state: .retry, attempts: 1, nextAttemptAt: t0,
                attempt: AttemptEntry(
                    at: t0, status: 403, gongRequestId: nil, error: "403", api: .contentShared,
                    mayHaveReachedGong: true)),
            now: t0)
        #expect(try ledger.api(of: "a")?.bound == true)
        #expect(
            try ledger.requeue(
                eventId: "a", body: Data("{}".utf8), rebuilt: true, api: .digitalInteraction, moveBound: true))
        #expect(try ledger.api(of: "a")?.api == .digitalInteraction)
        #expect(try ledger.api(of: "a")?.bound == false)
    }

    @Test(
        "requeue moves an unbound event to another API but refuses to move a bound one",
        arguments: LedgerBackend.available)
    func requeueRespectsBinding(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.insert(event("free", api: .contentShared), now: t0)
        try ledger.insert(event("bound", api: .contentShared), now: t0)
        for claim in try ledger.claimDue(now: t0, limit: 10) {
            try ledger.record(
                claim,
                OutboxUpdate(
                    state: .dead, attempts: 1, lastStatus: claim.eventId == "bound" ? 500 : 400,
                    attempt: AttemptEntry(
                        at: t0, status: claim.eventId == "bound" ? 500 : 400, gongRequestId: nil, error: "x",
                        api: .contentShared, mayHaveReachedGong: claim.eventId == "bound")),
                now: t0)
        }
        #expect(
            try ledger.requeue(eventId: "free", body: Data("{}".utf8), rebuilt: true, api: .digitalInteraction))
        #expect(try ledger.api(of: "free")?.api == .digitalInteraction)
        #expect(throws: LedgerError.self) {
            try ledger.requeue(eventId: "bound", body: Data("{}".utf8), rebuilt: true, api: .digitalInteraction)
        }
        #expect(try ledger.api(of: "bound")?.api == .contentShared)
        #expect(try ledger.requeue(eventId: "bound", body: Data("{}".utf8), rebuilt: true, api: .contentShared))
    }

    @Test("status counts delivered events per API", arguments: LedgerBackend.available)
    func statusByAPI(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        try ledger.insert(event("a", api: .contentShared), now: t0)
        try ledger.insert(event("b", api: .digitalInteraction), now: t0)
        try ledger.insert(event("c", api: .digitalInteraction), now: t0)
        for claim in try ledger.claimDue(now: t0, limit: 2) {
            try ledger.record(claim, OutboxUpdate(state: .delivered, attempts: 1, gongRequestId: "r"), now: t0)
        }
        let status = try ledger.status()
        #expect(status.deliveredByAPI == ["content-shared": 1, "digital-interaction": 1])
        #expect(status.undelivered.map(\.api) == [.digitalInteraction])
    }

    @Test("a read-only open (scan --dry-run) changes nothing and refuses a schema that is not current")
    func readingOnly() throws {
        let temp = TemporaryLedger()
        try FileManager.default.createDirectory(
            atPath: (temp.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // A missing file is not created.
        #expect(throws: LedgerError.self) { try ShareLedger(readingOnly: temp.path) }
        #expect(!FileManager.default.fileExists(atPath: temp.path))
        // An older schema is refused rather than read as if it were current (and left as it is).
        do {
            let pool = try DatabasePool(path: temp.path)
            try ShareLedger.migrator.migrate(pool, upTo: "v2")
        }
        let refused = #expect(throws: LedgerError.self) { try ShareLedger(readingOnly: temp.path) }
        #expect(refused?.code == .migrationFailed)
        let pool = try DatabasePool(path: temp.path)
        #expect(try pool.read { db in try ShareLedger.migrator.appliedIdentifiers(db) } == ["v1", "v2"])
        // A current one reads.
        _ = try temp.open()
        let reader = try ShareLedger(readingOnly: temp.path)
        #expect(try reader.checkpoint(for: "mbox:/nowhere") == nil)
    }

    @Test(
        "migrating a v2 ledger: every event is content-shared, bound when an attempt may have reached Gong or it was being sent"
    )
    func migrationFromV2() throws {
        let temp = TemporaryLedger()
        try FileManager.default.createDirectory(
            atPath: (temp.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        do {
            let pool = try DatabasePool(path: temp.path)
            try ShareLedger.migrator.migrate(pool, upTo: "v2")
            try pool.write { db in
                for id in ["tried", "fresh", "rejected"] {
                    try db.execute(
                        sql: """
                            INSERT INTO events (event_id, content_id, message_key, mailbox, source_kind, source_name,
                                body, created_at) VALUES (?, 'c', 'k', 'm', 'file', 'f', X'7B7D', 0)
                            """, arguments: [id])
                    try db.execute(
                        sql: """
                            INSERT INTO outbox (event_id, state, attempts, created_at, updated_at)
                            VALUES (?, 'retry', 0, 0, 0)
                            """, arguments: [id])
                }
                try db.execute(sql: "INSERT INTO attempts (event_id, at, http_status) VALUES ('tried', 0, 503)")
                try db.execute(sql: "INSERT INTO attempts (event_id, at, http_status) VALUES ('rejected', 0, 400)")
                try db.execute(
                    sql: """
                        INSERT INTO events (event_id, content_id, message_key, mailbox, source_kind, source_name,
                            body, created_at) VALUES ('midcall', 'c', 'k', 'm', 'file', 'f', X'7B7D', 0)
                        """)
                try db.execute(
                    sql: """
                        INSERT INTO outbox (event_id, state, attempts, created_at, updated_at)
                        VALUES ('midcall', 'sending', 0, 0, 0)
                        """)
            }
        }
        let ledger = try temp.open()
        #expect(try ledger.appliedMigrations() == ["v1", "v2", "v3", "v4"])
        #expect(try ledger.api(of: "tried")?.api == .contentShared)
        #expect(try ledger.api(of: "tried")?.bound == true)
        #expect(try ledger.api(of: "fresh")?.bound == false)
        #expect(try ledger.api(of: "rejected")?.bound == false, "a 400 means Gong did not store it")
        #expect(try ledger.api(of: "midcall")?.bound == true, "left sending by a run killed mid-call")
        #expect(try ledger.attempts(for: "tried").map(\.api) == [.contentShared])
    }
}
