import Foundation
import ShareLedger
import Testing

@Suite("ShareLedger storage")
struct LedgerStorageTests {
    @Test("opening creates the folder (0700) and the file (0600); the WAL files are 0600 too")
    func fileModes() throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        try ledger.commit(events: [sampleEvent("e1")], checkpoint: nil, for: "s", now: t0)
        #expect(try permissions(temp.path) == 0o600)
        #expect(try permissions((temp.path as NSString).deletingLastPathComponent) == 0o700)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: temp.path + suffix) {
            #expect(try permissions(temp.path + suffix) == 0o600, "\(suffix)")
        }
    }

    @Test("migrations are idempotent on reopen and data survives")
    func reopen() throws {
        let temp = TemporaryLedger()
        do {
            let ledger = try temp.open()
            #expect(try ledger.appliedMigrations() == ["v1", "v2", "v3", "v4"])
            try ledger.commit(
                events: [sampleEvent("e1")], checkpoint: .imap(IMAPCheckpoint(uidValidity: 7, lastUID: 42)),
                for: "INBOX",
                now: t0)
        }
        for _ in 0..<2 {
            let ledger = try temp.open()
            #expect(try ledger.appliedMigrations() == ["v1", "v2", "v3", "v4"])
            #expect(try ledger.contains(eventId: "e1"))
            #expect(try ledger.checkpoint(for: "INBOX") == .imap(IMAPCheckpoint(uidValidity: 7, lastUID: 42)))
        }
    }

    @Test("inserting a known event id is a no-op that reports already known", arguments: LedgerBackend.available)
    func dedup(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        let first = try ledger.commit(events: [sampleEvent("a"), sampleEvent("b")], checkpoint: nil, for: "s", now: t0)
        #expect(first == CommitResult(inserted: ["a", "b"], alreadyKnown: []))

        var changed = sampleEvent("a")
        changed.body = Data("{}".utf8)
        let second = try ledger.commit(events: [changed, sampleEvent("c")], checkpoint: nil, for: "s", now: t0)
        #expect(second == CommitResult(inserted: ["c"], alreadyKnown: ["a"]))
        #expect(try ledger.body(of: "a") == sampleEvent("a").body)
        #expect(try ledger.insert(sampleEvent("c")) == false)
        #expect(try ledger.insert(sampleEvent("d")) == true)
        #expect(try ledger.status().counts[.pending] == 4)
    }

    @Test("the exact body bytes are kept", arguments: LedgerBackend.available)
    func bodyBytes(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        var event = sampleEvent("x")
        event.body = Data([0x7B, 0x22, 0xC3, 0xA9, 0x22, 0x3A, 0x20, 0x31, 0x7D, 0x0A])  // {"é": 1}\n
        try ledger.insert(event, now: t0)
        #expect(try ledger.body(of: "x") == event.body)
        #expect(try ledger.body(of: "missing") == nil)
    }

    @Test("events and the checkpoint land together, or not at all", arguments: LedgerBackend.available)
    func atomicCommit(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        let before = Checkpoint.mbox(MboxCheckpoint(device: 1, inode: 2, size: 100, offset: 50, nextIndex: 1))
        try ledger.commit(events: [sampleEvent("a")], checkpoint: before, for: "mbox:/mail/Sent", now: t0)

        // The second event fails after the first was inserted inside the transaction.
        let after = Checkpoint.mbox(MboxCheckpoint(device: 1, inode: 2, size: 300, offset: 250, nextIndex: 3))
        var broken = sampleEvent("")
        broken.messageKey = "m3"
        #expect(throws: LedgerError.self) {
            try ledger.commit(events: [sampleEvent("b"), broken], checkpoint: after, for: "mbox:/mail/Sent", now: t0)
        }
        #expect(try ledger.contains(eventId: "b") == false)
        #expect(try ledger.checkpoint(for: "mbox:/mail/Sent") == before)
        #expect(try ledger.status().total == 1)

        // The same batch without the broken event lands whole.
        try ledger.commit(events: [sampleEvent("b")], checkpoint: after, for: "mbox:/mail/Sent", now: t0)
        #expect(try ledger.contains(eventId: "b"))
        #expect(try ledger.checkpoint(for: "mbox:/mail/Sent") == after)
    }

    @Test("an invalid event is an invalidArgument error naming the ledger", arguments: LedgerBackend.available)
    func invalidEvent(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        do {
            try ledger.insert(sampleEvent(""))
            Issue.record("expected an error")
        } catch let error as LedgerError {
            #expect(error.code == .invalidArgument)
            #expect(error.description.contains(ledger.location))
        }
    }

    @Test("checkpoints: nil when unknown, per source key, resettable", arguments: LedgerBackend.available)
    func checkpoints(backend: LedgerBackend) throws {
        let temp = try TestLedger(backend)
        let ledger = try temp.open()
        #expect(try ledger.checkpoint(for: "imap:ae@acme/Sent") == nil)
        let imap = Checkpoint.imap(IMAPCheckpoint(uidValidity: 3_000_000_000, lastUID: 4_000_000_000))
        let mbox = Checkpoint.mbox(
            MboxCheckpoint(
                device: .max, inode: 123_456_789_012, size: 5_000_000_000, offset: 4_999_999_999, nextIndex: 9))
        try ledger.commit(events: [], checkpoint: imap, for: "imap:ae@acme/Sent", now: t0)
        try ledger.commit(events: [], checkpoint: mbox, for: "mbox:/mail/Sent", now: t0)
        #expect(try ledger.checkpoint(for: "imap:ae@acme/Sent") == imap)
        #expect(try ledger.checkpoint(for: "mbox:/mail/Sent") == mbox)
        try ledger.resetCheckpoint(for: "imap:ae@acme/Sent")
        #expect(try ledger.checkpoint(for: "imap:ae@acme/Sent") == nil)
        #expect(try ledger.status().checkpoints.map(\.sourceKey) == ["mbox:/mail/Sent"])
    }

    @Test("a file that is not a database is a clear corruptDatabase error naming the path")
    func corruptFile() throws {
        let temp = TemporaryLedger()
        let folder = (temp.path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 8_192).write(to: URL(fileURLWithPath: temp.path))
        do {
            _ = try temp.open()
            Issue.record("expected an error")
        } catch let error as LedgerError {
            #expect(error.code == .corruptDatabase)
            #expect(error.description.contains(temp.path))
            #expect(!error.isRetryable)
        }
    }

    @Test("a folder in place of the file is an unreadable error")
    func folderInsteadOfFile() throws {
        let temp = TemporaryLedger()
        try FileManager.default.createDirectory(atPath: temp.path, withIntermediateDirectories: true)
        #expect(throws: LedgerError.self) { _ = try temp.open() }
    }

    @Test("the ledger files never contain a secret after a run; errors are scrubbed")
    func noSecrets() throws {
        let temp = TemporaryLedger()
        let secret = "s3cr3t-GONG-access-key-SECRET-value"
        let authorization = "Basic " + Data("key:\(secret)".utf8).base64EncodedString()
        do {
            let ledger = try temp.open()
            try ledger.commit(
                events: (0..<20).map { sampleEvent("event-\($0)", index: $0) },
                checkpoint: .imap(IMAPCheckpoint(uidValidity: 1, lastUID: 20)), for: "imap:Sent", now: t0)
            for claim in try ledger.claimDue(now: t0, limit: 20) {
                // An error text that (wrongly) quotes a request header must not reach the file.
                let error = "HTTP 500 echo: Authorization: \(authorization)"
                let attempt = AttemptEntry(at: t0, status: 500, gongRequestId: "r", error: error)
                try ledger.record(
                    claim,
                    OutboxUpdate(
                        state: .retry, attempts: 1, nextAttemptAt: t0, lastStatus: 500, lastError: error,
                        attempt: attempt),
                    now: t0)
            }
            #expect(try ledger.attempts(for: "event-0").first?.error == "HTTP 500 echo: Authorization: [redacted]")
        }
        var bytes = Data()
        for suffix in ["", "-wal", "-shm"] {
            if let data = FileManager.default.contents(atPath: temp.path + suffix) { bytes.append(data) }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("event-7"), "the check must read the real data")
        #expect(!text.contains(secret))
        #expect(!text.contains(String(authorization.dropFirst(6))))
    }
}
