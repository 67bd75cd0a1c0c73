import Foundation
import ShareLedger
import Testing

private let flockTool = "/usr/bin/flock"

@Suite("RunLock")
struct RunLockTests {
    @Test("two handles conflict, with a message naming the holder's pid; release frees the lock")
    func exclusivity() throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let held = try ledger.tryLock()
        #expect(held.isHeld)
        #expect(held.path == temp.path + ".lock")
        #expect(try permissions(held.path) == 0o600)
        do {
            _ = try ledger.tryLock()
            Issue.record("a second handle got the lock")
        } catch let error as LedgerError {
            #expect(error.code == .lockHeld)
            #expect(error.isRetryable)
            #expect(error.message.contains("another run holds the lock (pid \(getpid()))"), "\(error)")
        }
        // A second ledger instance on the same file conflicts too.
        let other = try temp.open()
        #expect(throws: LedgerError.self) { _ = try other.tryLock() }

        held.release()
        #expect(!held.isHeld)
        held.release()
        let again = try other.tryLock()
        #expect(again.isHeld)
    }

    @Test("a handle that goes away releases the lock")
    func deinitReleases() throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        do {
            let handle = try ledger.tryLock()
            #expect(handle.isHeld)
        }
        #expect(try ledger.tryLock().isHeld)
    }

    @Test("lock(waitingUpTo:) gives up after the timeout, and succeeds when the holder releases in time")
    func waiting() throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let held = try ledger.tryLock()
        let start = Date()
        #expect(throws: LedgerError.self) { _ = try ledger.lock(waitingUpTo: 0.3) }
        #expect(Date().timeIntervalSince(start) >= 0.3)

        // A real thread, not a Task: lock(waitingUpTo:) blocks this thread, and on a small machine the cooperative
        // pool may have no other thread free to run a Task.
        let releaser = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            held.release()
        }
        releaser.start()
        let acquired = try ledger.lock(waitingUpTo: 5)
        #expect(acquired.isHeld)
    }

    @Test(
        "another process cannot take the lock while it is held",
        .enabled(if: FileManager.default.isExecutableFile(atPath: flockTool), "needs \(flockTool) (util-linux)"))
    func acrossProcesses() throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        func otherProcessCanLock() throws -> Bool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: flockTool)
            process.arguments = ["--nonblock", ledger.lockPath, "true"]
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        }
        let held = try ledger.tryLock()
        #expect(try otherProcessCanLock() == false)
        held.release()
        #expect(try otherProcessCanLock() == true)
    }
}
