import Foundation
import ShareLedger
import Testing

@Suite("ShareLedger pacing and quota")
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

    @Test("two instances on one file never exceed callsPerSecond in any 1-second window")
    func pacingAcrossInstances() throws {
        let temp = TemporaryLedger()
        let a = try temp.open()
        let b = try temp.open()
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
            case .dailyBudgetExhausted:
                Issue.record("unexpected budget exhaustion")
            }
            clock = clock.addingTimeInterval(0.007)
        }
        #expect(busiestSecond(granted) <= 3)
        #expect(granted.count >= 28, "the gate must not be needlessly strict (got \(granted.count))")
        #expect(try a.callsToday(now: t0) == granted.count)
    }

    @Test("asking again exactly at waitUntil is granted (no livelock) and windows stay within the limit")
    func waitUntilIsExact() throws {
        let temp = TemporaryLedger()
        let a = try temp.open()
        let b = try temp.open()
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
                case .dailyBudgetExhausted:
                    Issue.record("unexpected budget exhaustion")
                }
                break
            }
        }
        #expect(busiestSecond(granted) == 3)
        // 40 calls at 3/s from a burst: the 40th lands after 13 s, not much later.
        let span = Double(granted.last! - granted.first!) / 1_000_000
        #expect(span >= 13 && span < 13.01, "span \(span)")
    }

    @Test("concurrent callers from two instances (real threads) never exceed the limit at the same instant")
    func concurrentReservations() async throws {
        let temp = TemporaryLedger()
        let a = try temp.open()
        let b = try temp.open()
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

    @Test("the daily budget stops calls for the rest of the UTC day and resets the next day")
    func dailyBudget() throws {
        let temp = TemporaryLedger()
        let a = try temp.open()
        let b = try temp.open()
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
        #expect(try a.status(now: clock).callsToday == 5)
        #expect(try a.status(now: clock).day == "2025-06-15")

        let nextDay = lateEvening.addingTimeInterval(10)  // 2025-06-16T00:00:00Z
        #expect(try b.reserveCallSlot(now: nextDay, callsPerSecond: 100, callsPerDay: 5, safetyMargin: 0) == .go)
        #expect(try a.callsToday(now: nextDay) == 1)
        #expect(try a.status(now: nextDay).day == "2025-06-16")
    }

    @Test("a zero budget is exhausted at once")
    func zeroBudget() throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        #expect(
            try ledger.reserveCallSlot(now: t0, callsPerSecond: 3, callsPerDay: 0, safetyMargin: 0)
                == .dailyBudgetExhausted)
    }

    @Test("old call times are pruned")
    func pruning() throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        for second in 0..<30 {
            _ = try ledger.reserveCallSlot(
                now: t0.addingTimeInterval(Double(second)), callsPerSecond: 3, callsPerDay: 10_000)
        }
        #expect(try ledger.recentCallSlots().count <= 11)
    }
}
