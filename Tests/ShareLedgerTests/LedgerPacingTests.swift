import Foundation
import ShareLedger
import Testing

@Suite("Gong account state: pacing, quota, pause, breaker")
struct LedgerPacingTests {
    /// The largest number of times in any half-open window `[t, t + 1 s)` (checked at every time's start).
    func busiestSecond(_ micros: [Int64]) -> Int {
        let sorted = micros.sorted()
        var best = 0
        for (index, start) in sorted.enumerated() {
            let inWindow = sorted[index...].prefix { $0 < start + 1_000_000 }.count
            best = max(best, inWindow)
        }
        return best
    }

    @Test(
        "two instances on one file never exceed callsPerSecond in any 1-second window",
        arguments: LedgerBackend.available)
    func pacingAcrossInstances(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let a = try temp.openAccount()
        let b = try temp.openAccount()
        var granted: [Int64] = []
        // Simulated clock: both "processes" ask every 7 ms for 10 s.
        var clock = t0
        var turn = 0
        while clock < t0.addingTimeInterval(10) {
            let ledger = turn % 2 == 0 ? a : b
            turn += 1
            switch try ledger.reserveCallSlot(now: clock, callsPerSecond: 3, callsPerDay: 10_000, safetyMargin: 0) {
            case .go:
                granted.append(Int64((clock.timeIntervalSince1970 * 1_000_000).rounded()))
            case .waitUntil(let until):
                #expect(until > clock)
                #expect(until <= clock.addingTimeInterval(1))
            case .dailyBudgetExhausted, .paused:
                Issue.record("unexpected budget exhaustion or pause")
            }
            clock = clock.addingTimeInterval(0.007)
        }
        #expect(busiestSecond(granted) <= 3)
        #expect(granted.count >= 28, "the gate must not be needlessly strict (got \(granted.count))")
        #expect(try a.callsToday(now: t0) == granted.count)
    }

    @Test(
        "asking again exactly at waitUntil is granted (no livelock) and windows stay within the limit",
        arguments: LedgerBackend.available)
    func waitUntilIsExact(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let a = try temp.openAccount()
        let b = try temp.openAccount()
        var clock = t0.addingTimeInterval(0.123_456)
        var granted: [Int64] = []
        for call in 0..<40 {
            let ledger = call % 3 == 0 ? a : b
            while true {
                switch try ledger.reserveCallSlot(now: clock, callsPerSecond: 3, callsPerDay: 1_000, safetyMargin: 0) {
                case .go:
                    granted.append(Int64((clock.timeIntervalSince1970 * 1_000_000).rounded()))
                case .waitUntil(let until):
                    #expect(until > clock)
                    clock = until
                    continue
                case .dailyBudgetExhausted, .paused:
                    Issue.record("unexpected budget exhaustion or pause")
                }
                break
            }
        }
        #expect(busiestSecond(granted) == 3)
        // 40 calls at 3/s from a burst: the 40th lands after 13 s, not much later.
        let span = Double(granted.last! - granted.first!) / 1_000_000
        #expect(span >= 13 && span < 13.01, "span \(span)")
    }

    @Test(
        "concurrent callers from two instances (real threads) never exceed the limit at the same instant",
        arguments: LedgerBackend.available)
    func concurrentReservations(backend: LedgerBackend) async throws {
        let temp = try TestLedger(backend)
        let a = try temp.openAccount()
        let b = try temp.openAccount()
        // Everyone asks at the same simulated instant: exactly callsPerSecond are granted.
        let results = try await withThrowingTaskGroup(of: Reservation.self) { group in
            for index in 0..<20 {
                let ledger = index.isMultiple(of: 2) ? a : b
                group.addTask {
                    try ledger.reserveCallSlot(now: t0, callsPerSecond: 3, callsPerDay: 10_000, safetyMargin: 0)
                }
            }
            var all: [Reservation] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.filter { $0 == .go }.count == 3)
        #expect(results.filter { $0 == .waitUntil(t0.addingTimeInterval(1)) }.count == 17)
    }

    @Test(
        "the daily budget stops calls for the rest of the UTC day and resets the next day",
        arguments: LedgerBackend.available)
    func dailyBudget(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let a = try temp.openAccount()
        let b = try temp.openAccount()
        // 2025-06-15T23:59:50Z
        let lateEvening = Date(timeIntervalSince1970: 1_750_031_990)
        var clock = lateEvening
        for index in 0..<5 {
            let ledger = index.isMultiple(of: 2) ? a : b
            #expect(try ledger.reserveCallSlot(now: clock, callsPerSecond: 100, callsPerDay: 5, safetyMargin: 0) == .go)
            clock = clock.addingTimeInterval(0.5)
        }
        #expect(
            try a.reserveCallSlot(now: clock, callsPerSecond: 100, callsPerDay: 5, safetyMargin: 0)
                == .dailyBudgetExhausted)
        #expect(
            try b.reserveCallSlot(now: clock, callsPerSecond: 100, callsPerDay: 5, safetyMargin: 0)
                == .dailyBudgetExhausted)
        #expect(try a.callsToday(now: clock) == 5)

        let nextDay = lateEvening.addingTimeInterval(10)  // 2025-06-16T00:00:00Z
        #expect(try b.reserveCallSlot(now: nextDay, callsPerSecond: 100, callsPerDay: 5, safetyMargin: 0) == .go)
        #expect(try a.callsToday(now: nextDay) == 1)
    }

    @Test("a zero budget is exhausted at once", arguments: LedgerBackend.available)
    func zeroBudget(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.openAccount()
        #expect(
            try ledger.reserveCallSlot(now: t0, callsPerSecond: 3, callsPerDay: 0, safetyMargin: 0)
                == .dailyBudgetExhausted)
    }

    @Test("old call times are pruned", arguments: LedgerBackend.available)
    func pruning(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.openAccount()
        for second in 0..<30 {
            _ = try ledger.reserveCallSlot(
                now: t0.addingTimeInterval(Double(second)), callsPerSecond: 3, callsPerDay: 10_000)
        }
        #expect(try ledger.recentCallSlots().count <= 11)
    }

    @Test(
        "a 429 pause stops every instance's calls until it ends; a shorter pause never shortens a longer one",
        arguments: LedgerBackend.available)
    func pauseIsSharedAndOnlyGrows(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let a = try temp.openAccount()
        let b = try temp.openAccount()
        let until = t0.addingTimeInterval(120)
        try a.pause(until: until, reason: "Gong answered 429", now: t0)
        try b.pause(until: t0.addingTimeInterval(5), reason: "shorter", now: t0)
        #expect(
            try b.reserveCallSlot(now: t0.addingTimeInterval(1), callsPerSecond: 3, callsPerDay: 10)
                == .paused(until: until))
        #expect(try a.pause(now: t0)?.until == until)
        #expect(try a.pause(now: t0)?.reason == "Gong answered 429")
        #expect(try b.callsToday(now: t0) == 0, "a paused call is not counted")
        #expect(try b.reserveCallSlot(now: until, callsPerSecond: 3, callsPerDay: 10) == .go)
        #expect(try a.pause(now: until) == nil)
    }

    @Test(
        "accounts are separate: another key has its own budget, pause and breaker in the same file",
        arguments: LedgerBackend.available)
    func accountsAreSeparate(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let a = try temp.openAccount(key: "https://a.example#1")
        let other = try temp.openAccount(key: "https://a.example#2")
        #expect(try a.reserveCallSlot(now: t0, callsPerSecond: 3, callsPerDay: 1) == .go)
        #expect(
            try a.reserveCallSlot(now: t0.addingTimeInterval(2), callsPerSecond: 3, callsPerDay: 1)
                == .dailyBudgetExhausted)
        #expect(try other.reserveCallSlot(now: t0.addingTimeInterval(2), callsPerSecond: 3, callsPerDay: 1) == .go)
        try a.pause(until: t0.addingTimeInterval(60), reason: "429", now: t0)
        #expect(try other.pause(now: t0) == nil)
        for _ in 0..<4 { _ = try a.noteCall(failed: true, lastFailure: "transport error (connectionRefused)", now: t0) }
        #expect(try a.consecutiveFailures() == 4)
        #expect(try other.consecutiveFailures() == 0)
        #expect(try temp.openAccount(key: "https://a.example#1").consecutiveFailures() == 4, "persisted")
    }

    @Test(
        "a refunded call (it never reached Gong) gives today's budget back, never below zero",
        arguments: LedgerBackend.available)
    func refund(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let account = try temp.openAccount()
        #expect(try account.reserveCallSlot(now: t0, callsPerSecond: 3, callsPerDay: 1) == .go)
        #expect(
            try account.reserveCallSlot(now: t0.addingTimeInterval(2), callsPerSecond: 3, callsPerDay: 1)
                == .dailyBudgetExhausted)
        try account.refundCall(now: t0)
        try account.refundCall(now: t0)
        #expect(try account.callsToday(now: t0) == 0)
        #expect(try account.reserveCallSlot(now: t0.addingTimeInterval(3), callsPerSecond: 3, callsPerDay: 1) == .go)
    }

    @Test("a symlink in the state file's place is refused, naming the path")
    func symlinkRefused() throws {
        let temp = TemporaryLedger()
        try FileManager.default.createDirectory(at: temp.folder, withIntermediateDirectories: true)
        let target = temp.folder.appendingPathComponent("elsewhere.sqlite").path
        _ = FileManager.default.createFile(atPath: target, contents: Data())
        let link = temp.folder.appendingPathComponent("accounts.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        do {
            _ = try GongAccountState(path: link, accountKey: "k")
            Issue.record("a symlinked state file was opened")
        } catch let error as LedgerError {
            #expect(error.path == link)
            #expect(error.message.contains("symbolic link"))
        }
    }

    @Test(
        "the failure count is counted in the shared file: runs of two configs add up, any answer resets it",
        arguments: LedgerBackend.available)
    func sharedFailureCount(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let a = try temp.openAccount()
        let b = try temp.openAccount()
        #expect(try a.noteCall(failed: true, lastFailure: "transport error", now: t0) == 1)
        #expect(try b.noteCall(failed: true, lastFailure: "HTTP 503", now: t0) == 2)
        #expect(try a.noteCall(failed: true, lastFailure: nil, now: t0) == 3)
        #expect(try b.consecutiveFailures() == 3)
        #expect(try b.noteCall(failed: false, lastFailure: nil, now: t0) == 0)
        #expect(try a.consecutiveFailures() == 0)
    }
}
