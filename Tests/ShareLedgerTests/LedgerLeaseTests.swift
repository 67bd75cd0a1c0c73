import Foundation
import ShareLedger
import Testing

@Suite("Mailbox leases (both ledgers)")
struct LedgerLeaseTests {
    @Test(
        "a lease is one holder's until it lapses; the holder renews it, another takes it over only after expiry",
        arguments: LedgerBackend.available)
    func acquireAndExpire(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let a = try temp.open()
        let b = try temp.open()
        guard case .acquired(let first) = try a.acquireLease(mailbox: "alice", holder: "host-a:1:aa", duration: 30)
        else { Issue.record("the free mailbox was not granted"); return }
        #expect(first.holder == "host-a:1:aa")
        #expect(first.expiresAt.timeIntervalSince(first.acquiredAt) > 29)
        guard case .heldBy(let other) = try b.acquireLease(mailbox: "alice", holder: "host-b:2:bb", duration: 30)
        else { Issue.record("a held mailbox was granted to a second holder"); return }
        #expect(other.holder == "host-a:1:aa")
        // Another mailbox is free.
        guard case .acquired = try b.acquireLease(mailbox: "bob", holder: "host-b:2:bb", duration: 30) else {
            Issue.record("a free mailbox was refused"); return
        }
        // The holder asking again renews and keeps its start.
        guard case .acquired(let again) = try a.acquireLease(mailbox: "alice", holder: "host-a:1:aa", duration: 60)
        else { Issue.record("the holder's own lease was refused"); return }
        #expect(abs(again.acquiredAt.timeIntervalSince(first.acquiredAt)) < 0.001)
        #expect(again.expiresAt > first.expiresAt)
        #expect(Set(try a.leases().map(\.mailbox)) == ["alice", "bob"])

        // A short lease lapses; then another holder takes it.
        guard case .acquired = try a.acquireLease(mailbox: "carol", holder: "host-a:1:aa", duration: 0.2) else {
            Issue.record("carol refused"); return
        }
        guard case .heldBy = try b.acquireLease(mailbox: "carol", holder: "host-b:2:bb", duration: 30) else {
            Issue.record("carol taken before her lease lapsed"); return
        }
        Thread.sleep(forTimeInterval: 0.4)
        guard case .acquired(let taken) = try b.acquireLease(mailbox: "carol", holder: "host-b:2:bb", duration: 30)
        else { Issue.record("a lapsed lease was not taken over"); return }
        #expect(taken.holder == "host-b:2:bb")
        #expect(taken.acquiredAt > first.acquiredAt)
    }

    @Test(
        "a commit under a lapsed or taken lease writes nothing (leaseLost); under a live lease it lands",
        arguments: LedgerBackend.available)
    func commitIsFenced(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let scanner = try temp.open()
        let other = try temp.open()
        guard case .acquired(let lease) = try scanner.acquireLease(mailbox: "alice", holder: "a", duration: 0.3)
        else { Issue.record("not granted"); return }
        let checkpoint = Checkpoint.imap(IMAPCheckpoint(uidValidity: 7, lastUID: 10))
        try scanner.commit(
            events: [sampleEvent("e1")], checkpoint: checkpoint, for: "alice/Sent", lease: lease, now: t0)
        #expect(try other.contains(eventId: "e1"))
        Thread.sleep(forTimeInterval: 0.5)
        guard case .acquired = try other.acquireLease(mailbox: "alice", holder: "b", duration: 30) else {
            Issue.record("the lapsed lease was not taken over"); return
        }
        let later = Checkpoint.imap(IMAPCheckpoint(uidValidity: 7, lastUID: 20))
        let error = #expect(throws: LedgerError.self) {
            try scanner.commit(events: [sampleEvent("e2")], checkpoint: later, for: "alice/Sent", lease: lease, now: t0)
        }
        #expect(error?.code == .leaseLost)
        #expect(error?.message.contains("alice") == true)
        #expect(try !other.contains(eventId: "e2"), "nothing of the fenced batch was written")
        #expect(try other.checkpoint(for: "alice/Sent") == checkpoint, "the checkpoint did not move")
    }

    @Test(
        "renewLeases extends the holder's live leases only and names them; release frees the mailbox at once",
        arguments: LedgerBackend.available)
    func renewAndRelease(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        guard case .acquired(let alice) = try ledger.acquireLease(mailbox: "alice", holder: "a", duration: 0.5),
            case .acquired = try ledger.acquireLease(mailbox: "bob", holder: "a", duration: 0.2),
            case .acquired = try ledger.acquireLease(mailbox: "carol", holder: "c", duration: 30)
        else { Issue.record("not granted"); return }
        Thread.sleep(forTimeInterval: 0.3)  // bob's lease lapsed
        #expect(try ledger.renewLeases(holder: "a", duration: 30) == ["alice"])
        #expect(try ledger.leases().first { $0.mailbox == "alice" }!.expiresAt > alice.expiresAt)
        try ledger.releaseLease(alice)
        guard case .acquired = try ledger.acquireLease(mailbox: "alice", holder: "z", duration: 30) else {
            Issue.record("a released mailbox stayed held"); return
        }
        // Releasing a lease another holder has taken over leaves theirs alone.
        try ledger.releaseLease(alice)
        #expect(try ledger.leases().first { $0.mailbox == "alice" }?.holder == "z")
    }
}

@Suite("Mailbox leases under contention (both ledgers)")
struct LedgerLeaseContentionTests {
    @Test(
        "scanners racing for a free mailbox: exactly one gets it, every other is told who has it",
        arguments: LedgerBackend.available)
    func raceForAFreeMailbox(backend: LedgerBackend) async throws {
        let temp = try TestLedger(backend)
        let ledgers = try (0..<8).map { _ in try temp.open() }
        for round in 0..<5 {
            let mailbox = "rep\(round)"
            let outcomes = try await withThrowingTaskGroup(of: LeaseOutcome.self) { group in
                for (index, ledger) in ledgers.enumerated() {
                    group.addTask { try ledger.acquireLease(mailbox: mailbox, holder: "h\(index)", duration: 30) }
                }
                var all: [LeaseOutcome] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            let winners = outcomes.compactMap { outcome -> String? in
                if case .acquired(let lease) = outcome { return lease.holder }
                return nil
            }
            #expect(winners.count == 1, "one holder per mailbox (\(winners))")
            for case .heldBy(let lease) in outcomes { #expect(lease.holder == winners.first) }
            #expect(try ledgers[0].leases().first { $0.mailbox == mailbox }?.holder == winners.first)
        }
    }
}
