import Foundation
import ShareDetectorKit
import Synchronization
import Testing

/// The parallel scan's schedule, without threads: order, the worker cap, the per-server cap, interruption.
struct MailboxScheduleTests {
    @Test func startsMailboxesInOrderUpToTheConcurrency() {
        var schedule = MailboxSchedule(hosts: [nil, nil, nil, nil], concurrency: 2, maxPerHost: 8)
        #expect(schedule.next() == .scan(0))
        #expect(schedule.next() == .scan(1))
        #expect(schedule.next() == .wait)
        schedule.complete(1)
        #expect(schedule.next() == .scan(2))
        schedule.complete(0)
        #expect(schedule.next() == .scan(3))
        #expect(schedule.next() == .finished)
        schedule.complete(2)
        schedule.complete(3)
        #expect(schedule.running == 0)
        #expect(schedule.next() == .finished)
    }

    @Test func aFullServerIsPassedOverForMailboxesOnAnotherServer() {
        let gmail = "imap.gmail.com:993"
        let office = "outlook.office365.com:993"
        var schedule = MailboxSchedule(
            hosts: [gmail, gmail, gmail, office, nil, gmail], concurrency: 8, maxPerHost: 2)
        #expect(schedule.next() == .scan(0))
        #expect(schedule.next() == .scan(1))
        // The third Gmail mailbox waits; the Microsoft one and the local one go first.
        #expect(schedule.next() == .scan(3))
        #expect(schedule.next() == .scan(4))
        #expect(schedule.next() == .wait)
        #expect(schedule.runningPerHost == [gmail: 2, office: 1])
        schedule.complete(3)
        #expect(schedule.next() == .wait, "a free worker does not lift Gmail's cap")
        schedule.complete(0)
        #expect(schedule.next() == .scan(2))
        #expect(schedule.next() == .wait)
        schedule.complete(1)
        #expect(schedule.next() == .scan(5))
        #expect(schedule.next() == .finished)
    }

    @Test func anInterruptedScheduleStartsNothingMore() {
        var schedule = MailboxSchedule(hosts: [nil, nil, nil], concurrency: 1, maxPerHost: 1)
        #expect(schedule.next() == .scan(0))
        schedule.stopAccepting()
        #expect(schedule.next() == .finished)
        schedule.complete(0)
        #expect(schedule.pending == [1, 2])
    }

    @Test func limitsBelowOneCountAsOne() {
        var schedule = MailboxSchedule(hosts: ["a:1", "a:1"], concurrency: 0, maxPerHost: 0)
        #expect(schedule.next() == .scan(0))
        #expect(schedule.next() == .wait)
    }

    @Test(arguments: [
        ("imaps://imap.gmail.com", "imap.gmail.com:993"),
        ("IMAPS://Imap.Gmail.com:993/", "imap.gmail.com:993"),
        ("imap://127.0.0.1:1143", "127.0.0.1:1143"),
        ("imap://mail.example", "mail.example:143"),
        ("imaps://user@mail.example/INBOX", "mail.example:993"),
        ("imaps://[::1]:9993", "[::1]:9993"),
        ("imaps://[::1]", "[::1]:993"),
    ])
    func serversAreCountedByHostAndPort(url: String, host: String) {
        #expect(MailboxSchedule.host(ofURL: url) == host)
    }

    /// The pool on real threads: every mailbox runs once, never more than the caps at once, and the workers do
    /// run side by side.
    @Test func thePoolRunsEachMailboxOnceWithinTheCaps() {
        let hosts: [String?] = (0..<24).map { $0 % 3 == 0 ? nil : "host\($0 % 2):993" }
        let pool = MailboxPool(hosts: hosts, concurrency: 6, maxPerHost: 2)
        let state = Mutex<(runs: [Int], running: Int, peak: Int, perHost: [String: Int], peakPerHost: Int)>(
            ([], 0, 0, [:], 0))
        pool.run(stop: { false }) { index in
            state.withLock { state in
                state.runs.append(index)
                state.running += 1
                state.peak = max(state.peak, state.running)
                if let host = hosts[index] {
                    state.perHost[host, default: 0] += 1
                    state.peakPerHost = max(state.peakPerHost, state.perHost[host]!)
                }
            }
            usleep(20_000)
            state.withLock { state in
                state.running -= 1
                if let host = hosts[index] { state.perHost[host]! -= 1 }
            }
        }
        let final = state.withLock { $0 }
        #expect(final.runs.sorted() == Array(0..<24))
        #expect(final.peak <= 6)
        #expect(final.peak >= 3, "the workers ran side by side")
        #expect(final.peakPerHost == 2)
    }
}
