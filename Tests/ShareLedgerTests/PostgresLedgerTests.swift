import Foundation
import GRDB
import ShareLedger
import Synchronization
import Testing

/// What only the shared PostgreSQL ledger does: teams side by side, a server restart mid-run, schema versions,
/// importing a SQLite ledger, one pace for processes on several machines.
@Suite("PostgreSQL ledger", .enabled(if: PostgresHarness.isAvailable, "\(PostgresHarness.skipMessage)"))
struct PostgresLedgerTests {
    func database() throws -> (PostgresHarness, String) {
        let harness = try PostgresHarness.shared()
        return (harness, harness.url(database: try harness.createDatabase()))
    }

    @Test("teams share the database but not their rows: the same event id is new to each, claims stay per team")
    func teamsAreSeparate() throws {
        let (_, url) = try database()
        let emea = try PostgresLedger(url: url, password: PostgresHarness.password, team: "emea")
        let amer = PostgresLedger(sharing: emea, team: "amer")
        #expect(try emea.commit(events: [sampleEvent("same")], checkpoint: nil, for: "s", now: t0).inserted == ["same"])
        #expect(try amer.commit(events: [sampleEvent("same")], checkpoint: nil, for: "s", now: t0).inserted == ["same"])
        try emea.commit(events: [sampleEvent("emea-only")], checkpoint: nil, for: "s", now: t0)
        #expect(try amer.claimDue(now: t0, limit: 10).map(\.eventId) == ["same"])
        #expect(try emea.status().counts[.pending] == 2)
        #expect(try amer.status().counts[.sending] == 1)
        #expect(try emea.teams() == ["amer", "emea"])
    }

    @Test("a restart of PostgreSQL mid-run costs a pause, not the run: every commit and claim lands exactly once")
    func survivesRestart() async throws {
        let harness = try PostgresHarness.start()
        defer { harness.remove() }
        let url = harness.url(database: try harness.createDatabase())
        let ledger = try PostgresLedger(url: url, password: PostgresHarness.password, team: "t")
        let writer = Task.detached {
            for index in 0..<300 {
                try ledger.commit(
                    events: [sampleEvent("e\(index)", index: index)],
                    checkpoint: .mbox(
                        MboxCheckpoint(device: 1, inode: 2, size: 3, offset: Int64(index), nextIndex: index)),
                    for: "mbox", now: t0)
            }
            return Date()
        }
        try await Task.sleep(for: .milliseconds(100))
        let restartedAt = Date()
        try harness.restart()
        try await Task.sleep(for: .milliseconds(100))
        try harness.restart()
        #expect(try await writer.value > restartedAt, "the writer was still writing when the server went down")
        let status = try ledger.status()
        #expect(status.counts[.pending] == 300)
        var claimed: [String] = []
        while true {
            let batch = try ledger.claimDue(now: t0, limit: 50)
            if batch.isEmpty { break }
            claimed += batch.map(\.eventId)
        }
        #expect(claimed.count == 300 && Set(claimed).count == 300)
        guard case .mbox(let cursor)? = try ledger.checkpoint(for: "mbox") else {
            Issue.record("no checkpoint"); return
        }
        #expect(cursor.nextIndex == 299)
    }

    @Test("a server that stays away fails after the reconnect window, naming the database but never the password")
    func unreachableServer() throws {
        let harness = try PostgresHarness.start()
        defer { harness.remove() }
        let url = harness.url(database: try harness.createDatabase())
        let ledger = try PostgresLedger(
            url: url, password: PostgresHarness.password, team: "t", reconnectWindow: 3)
        harness.stop()
        let started = Date()
        let error = #expect(throws: LedgerError.self) { try ledger.status() }
        #expect(Date().timeIntervalSince(started) >= 3 && Date().timeIntervalSince(started) < 10)
        // Once one operation gave up, the next ones fail fast instead of waiting the whole window each.
        let second = Date()
        #expect(throws: LedgerError.self) { try ledger.contains(eventId: "x") }
        #expect(Date().timeIntervalSince(second) < 2)
        #expect(error?.message.contains("unreachable") == true)
        #expect(error?.description.contains(PostgresHarness.password) == false)
        #expect(error?.path.contains("127.0.0.1") == true)
        // A wrong password is refused at once, and the message never holds either password.
        try harness.startAgain()
        let refused = #expect(throws: LedgerError.self) {
            try PostgresLedger(url: url, password: "fake-wrong-password", team: "t")
        }
        #expect(refused?.description.contains("fake-wrong-password") == false)
        #expect(refused?.description.contains("password authentication failed") == true)
    }

    @Test("read-only opens of an empty database say there is no ledger; a schema newer than the binary is refused")
    func schemaVersions() throws {
        let (harness, url) = try database()
        let empty = #expect(throws: LedgerError.self) {
            try PostgresLedger(url: url, password: PostgresHarness.password, team: "t", migrate: false)
        }
        #expect(empty?.code == .noLedger)
        let ledger = try PostgresLedger(url: url, password: PostgresHarness.password, team: "t")
        #expect(try ledger.appliedVersions() == Array(1...PostgresLedger.schemaVersion))
        // Opening again (another scanner starting) applies nothing twice.
        _ = try PostgresLedger(url: url, password: PostgresHarness.password, team: "t")
        #expect(try ledger.appliedVersions() == Array(1...PostgresLedger.schemaVersion))
        let database = String(url.split(separator: "/").last!)
        try harness.psql("INSERT INTO sd_schema VALUES (99, 0)", database: database)
        for migrate in [true, false] {
            let newer = #expect(throws: LedgerError.self) {
                try PostgresLedger(url: url, password: PostgresHarness.password, team: "t", migrate: migrate)
            }
            #expect(newer?.code == .migrationFailed)
            #expect(newer?.message.contains("newer than this share-detector's") == true)
        }
    }

    @Test(
        "ledger import moves a SQLite ledger in one transaction: states, attempts, checkpoints; twice changes nothing")
    func importSQLite() throws {
        let (_, url) = try database()
        let temp = TemporaryLedger()
        let sqlite = try temp.open()
        let checkpoint = Checkpoint.imap(IMAPCheckpoint(uidValidity: 9, lastUID: 41))
        try sqlite.commit(
            events: (0..<4).map { sampleEvent("e\($0)") }, checkpoint: checkpoint, for: "ae/Sent", now: t0)
        let claims = try sqlite.claimDue(now: t0, limit: 2)
        let attempt = AttemptEntry(at: t0, status: 200, gongRequestId: "req-1", error: nil, api: .contentShared)
        try sqlite.record(
            claims[0],
            OutboxUpdate(state: .delivered, attempts: 1, gongRequestId: "req-1", lastStatus: 200, attempt: attempt),
            now: t0)
        try sqlite.record(
            claims[1],
            OutboxUpdate(
                state: .dead, attempts: 1, lastStatus: 400, lastError: "HTTP 400",
                attempt: AttemptEntry(at: t0, status: 400, gongRequestId: nil, error: "HTTP 400")), now: t0)

        let postgres = try PostgresLedger(url: url, password: PostgresHarness.password, team: "emea")
        let summary = try postgres.importLedger(from: sqlite)
        #expect(summary.events == 4 && summary.delivered == 1 && summary.checkpoints == 1 && summary.alreadyThere == 0)
        #expect(try postgres.outboxEntry(for: "e0")?.state == .delivered)
        #expect(try postgres.outboxEntry(for: "e0")?.gongRequestId == "req-1")
        #expect(try postgres.outboxEntry(for: "e1")?.state == .dead)
        #expect(try postgres.attempts(for: "e1").map(\.status) == [400])
        #expect(try postgres.checkpoint(for: "ae/Sent") == checkpoint)
        #expect(try postgres.body(of: "e2") == sampleEvent("e2").body)
        // Only the two pending ones are ever claimed: nothing delivered is sent again.
        #expect(Set(try postgres.claimDue(now: t0, limit: 10).map(\.eventId)) == ["e2", "e3"])
        let again = try postgres.importLedger(from: sqlite)
        #expect(again.events == 0 && again.alreadyThere == 4)
        #expect(try postgres.status().total == 4)
    }

    @Test("processes on several machines share one pace: threads on separate connections, database clock")
    func oneSharedPace() async throws {
        let (_, url) = try database()
        let key = "https://gong.example#feedfacefeedface"
        let accounts = try (0..<4).map { _ in
            try PostgresLedger(url: url, password: PostgresHarness.password, team: "t").accountState(accountKey: key)
        }
        let deadline = Date().addingTimeInterval(2.5)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for account in accounts {
                group.addTask {
                    while Date() < deadline {
                        switch try account.reserveCallSlot(now: Date(), callsPerSecond: 3, callsPerDay: 10_000) {
                        case .go: continue
                        case .waitUntil(let until):
                            try await Task.sleep(for: .seconds(max(0.001, min(0.05, until.timeIntervalSinceNow))))
                        case .paused, .dailyBudgetExhausted: Issue.record("unexpected")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let slots = try accounts[0].recentCallSlots().sorted()
        var busiest = 0
        for (index, start) in slots.enumerated() {
            busiest = max(busiest, slots[index...].prefix { $0 < start + 1_000_000 }.count)
        }
        #expect(busiest <= 3, "at most 3 calls in any second, all machines together")
        #expect(slots.count >= 6, "the pace admits calls (\(slots.count) in 2.5 s)")
        #expect(try accounts[1].callsToday(now: Date()) == slots.count, "each call counted once in the daily quota")
    }
}

@Suite("PostgreSQL ledger: claims of live and dead senders", .enabled(if: PostgresHarness.isAvailable))
struct PostgresClaimHolderTests {
    @Test("a live sender's claims stay its own however old; a dead sender's come back once its heartbeat lapses")
    func claimsFollowTheHeartbeat() throws {
        let harness = try PostgresHarness.shared()
        let url = harness.url(database: try harness.createDatabase())
        let alive = try PostgresLedger(
            url: url, password: PostgresHarness.password, team: "t", holderLifetime: 1, holder: "host-a:1:aa")
        let other = try PostgresLedger(
            url: url, password: PostgresHarness.password, team: "t", holderLifetime: 30, holder: "host-b:2:bb")
        try alive.commit(events: (0..<6).map { sampleEvent("e\($0)") }, checkpoint: nil, for: "s", now: t0)
        let claimed = try alive.claimDue(now: t0, limit: 4, staleAfter: 900)
        #expect(claimed.count == 4)
        // Another sender, ten minutes later by its clock, gets only the unclaimed rows while the holder beats.
        #expect(
            try other.claimDue(now: t0.addingTimeInterval(600), limit: 10, staleAfter: 900).map(\.eventId) == [
                "e4", "e5",
            ])
        for _ in 0..<3 {
            _ = try alive.renewLeases(holder: alive.holder, duration: 1)  // the heartbeat
            #expect(try other.claimDue(now: t0.addingTimeInterval(600), limit: 10, staleAfter: 900).isEmpty)
            Thread.sleep(forTimeInterval: 0.4)
        }
        #expect(try other.status().counts[.sending] == 6)
        // The first holder stops beating (killed): its four claims come back to the other sender.
        Thread.sleep(forTimeInterval: 1.2)
        let taken = try other.claimDue(now: t0.addingTimeInterval(601), limit: 10, staleAfter: 900)
        #expect(Set(taken.map(\.eventId)) == Set(claimed.map(\.eventId)))
        // The dead holder's late outcome does not overwrite the new claim's.
        let late = try alive.record(
            claimed[0],
            OutboxUpdate(
                state: .retry, attempts: 1, nextAttemptAt: t0, lastStatus: 503, lastError: "HTTP 503",
                attempt: AttemptEntry(at: t0, status: 503, gongRequestId: nil, error: "HTTP 503")), now: t0)
        #expect(late == .superseded(current: .sending))
    }
}

@Suite("PostgreSQL ledger: senders starting together", .enabled(if: PostgresHarness.isAvailable))
struct PostgresClaimRaceTests {
    /// Sixteen senders (own connections, own holder names, each starting with no heartbeat yet) claim the same
    /// backlog at once: no event may go to two of them. A claim that judged liveness in the statement that takes
    /// due rows handed some events out twice here.
    @Test("16 senders starting at once never claim the same event")
    func sendersStartingTogether() throws {
        let harness = try PostgresHarness.shared()
        let url = harness.url(database: try harness.createDatabase())
        let setup = try PostgresLedger(url: url, password: PostgresHarness.password, team: "t")
        for round in 0..<3 {
            let ids = (0..<600).map { "r\(round)-e\($0)" }
            try setup.commit(events: ids.map { sampleEvent($0) }, checkpoint: nil, for: "s", now: t0)
            let senders = try (0..<16).map { index in
                try PostgresLedger(
                    url: url, password: PostgresHarness.password, team: "t", holder: "host-\(round)-\(index):1:ff")
            }
            let start = DispatchSemaphore(value: 0)
            let done = DispatchGroup()
            let claimed = Mutex<[String]>([])
            let failures = Mutex<[String]>([])
            for sender in senders {
                done.enter()
                Thread.detachNewThread {
                    defer { done.leave() }
                    start.wait()
                    do {
                        while true {
                            let batch = try sender.claimDue(now: t0, limit: 10, staleAfter: 900)
                            if batch.isEmpty { return }
                            claimed.withLock { $0 += batch.map(\.eventId) }
                        }
                    } catch { failures.withLock { $0.append("\(error)") } }
                }
            }
            for _ in senders { start.signal() }
            done.wait()
            #expect(failures.withLock { $0 }.isEmpty)
            let all = claimed.withLock { $0 }
            #expect(
                all.count == ids.count && Set(all) == Set(ids), "round \(round): \(all.count - Set(all).count) twice")
        }
    }
}
