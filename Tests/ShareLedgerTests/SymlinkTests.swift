import Foundation
import ShareLedger
import Testing

/// A planted symbolic link must never redirect the ledger or its lock file somewhere else.
@Suite("The ledger and its lock never follow symbolic links")
struct SymlinkTests {
    @Test("a symlinked lock file is refused with symlinkRefused naming the path; the target is left alone")
    func symlinkedLockFile() throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let target = temp.folder.appendingPathComponent("victim.txt").path
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: ledger.lockPath, withDestinationPath: target)
        do {
            _ = try ledger.tryLock()
            Issue.record("the lock followed a symbolic link")
        } catch let error as LedgerError {
            #expect(error.code == .symlinkRefused)
            #expect(error.path == ledger.lockPath)
            #expect(error.description.contains(ledger.lockPath))
            #expect(error.description.contains("symbolic link"))
        }
        #expect(throws: LedgerError.self) { _ = try ledger.lock(waitingUpTo: 0.2) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious\n")
    }

    @Test("a dangling symlink as the lock file creates nothing at its target")
    func danglingLockLink() throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let target = temp.folder.appendingPathComponent("created-through-link").path
        try FileManager.default.createSymbolicLink(atPath: ledger.lockPath, withDestinationPath: target)
        #expect(throws: LedgerError.self) { _ = try ledger.tryLock() }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test(
        "a symlinked ledger (existing or dangling target) or -wal file is refused naming the path",
        arguments: [true, false])
    func symlinkedLedger(targetExists: Bool) throws {
        let temp = TemporaryLedger()
        try FileManager.default.createDirectory(
            atPath: (temp.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let target = temp.folder.appendingPathComponent("elsewhere.sqlite").path
        if targetExists { _ = try ShareLedger(path: target) }
        try FileManager.default.createSymbolicLink(atPath: temp.path, withDestinationPath: target)
        do {
            _ = try temp.open()
            Issue.record("the ledger followed a symbolic link")
        } catch let error as LedgerError {
            #expect(error.code == .symlinkRefused)
            #expect(error.path == temp.path)
            #expect(error.description.contains(temp.path))
        }
        if !targetExists { #expect(!FileManager.default.fileExists(atPath: target)) }
    }

    @Test("a symlinked -wal file next to a real ledger is refused")
    func symlinkedWAL() throws {
        let temp = TemporaryLedger()
        do { _ = try temp.open() }
        try? FileManager.default.removeItem(atPath: temp.path + "-wal")
        let target = temp.folder.appendingPathComponent("wal-target").path
        try FileManager.default.createSymbolicLink(atPath: temp.path + "-wal", withDestinationPath: target)
        #expect { _ = try temp.open() } throws: { ($0 as? LedgerError)?.code == .symlinkRefused }
    }

    @Test("a regular ledger and lock still work, 0600")
    func regularFilesStillWork() throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let lock = try ledger.tryLock()
        #expect(lock.isHeld)
        #expect(try permissions(temp.path) == 0o600)
        #expect(try permissions(ledger.lockPath) == 0o600)
    }
}
