import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one-run-per-ledger lock: an advisory `flock` on `<ledger>.lock` (mode 0600) holding the owner's pid.
///
/// The kernel drops the lock when its holder exits, even by `kill -9`, so a crashed run never leaves a stale lock.
/// `flock` belongs to the open file description, so two handles conflict even inside one process.
/// Release with `release()`; a handle that is deinitialised releases too.
public final class RunLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Mutex<Int32>

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    deinit {
        release()
    }

    /// Whether this handle still holds the lock.
    public var isHeld: Bool {
        descriptor.withLock { $0 >= 0 }
    }

    /// Releases the lock (idempotent).
    public func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            _ = flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    /// The lock file next to a ledger database: `<databasePath>.lock`.
    public static func lockPath(forDatabase databasePath: String) -> String {
        databasePath + ".lock"
    }

    /// Takes the lock at `path` now, or throws `lockHeld` naming the holder's pid.
    public static func tryAcquire(path: String) throws -> RunLock {
        let fd = try openLockFile(path)
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            writePID(fd)
            return RunLock(path: path, descriptor: fd)
        }
        let code = errno
        let holder = readPID(fd)
        close(fd)
        if code == EWOULDBLOCK || code == EAGAIN {
            let who = holder.map { "pid \($0)" } ?? "unknown pid"
            throw LedgerError(
                code: .lockHeld, path: path,
                message: "another run holds the lock (\(who)); wait for it to finish or retry later")
        }
        throw LedgerError(code: .lockFailed, path: path, message: "cannot lock: \(String(cString: strerror(code)))")
    }

    /// Takes the lock at `path`, polling every `pollInterval` seconds for up to `timeout` seconds; then throws
    /// `lockHeld` naming the holder's pid.
    public static func acquire(path: String, waitingUpTo timeout: TimeInterval, pollInterval: TimeInterval = 0.1)
        throws -> RunLock
    {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                return try tryAcquire(path: path)
            } catch let error as LedgerError where error.code == .lockHeld && Date() < deadline {
                let remaining = deadline.timeIntervalSinceNow
                let pause = max(0.001, min(pollInterval, remaining))
                usleep(useconds_t(pause * 1_000_000))
            }
        }
    }

    private static func openLockFile(_ path: String) throws -> Int32 {
        // O_NOFOLLOW: a planted symbolic link must not make us create or truncate (writePID) another file.
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP {
                throw LedgerError(
                    code: .symlinkRefused, path: path,
                    message: "the lock file is a symbolic link; it is never followed (remove the link)")
            }
            throw LedgerError(
                code: .lockFailed, path: path,
                message: "cannot open the lock file: \(String(cString: strerror(code)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else {
            close(fd)
            throw LedgerError(code: .lockFailed, path: path, message: "the lock file is not a regular file")
        }
        _ = fchmod(fd, 0o600)
        return fd
    }

    private static func writePID(_ fd: Int32) {
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        return Int32(text.split(whereSeparator: \.isNewline).first ?? "")
    }
}

extension ShareLedger {
    /// The lock file of this ledger: `<path>.lock`.
    public var lockPath: String { RunLock.lockPath(forDatabase: path) }

    /// Takes this ledger's run lock now, or throws `lockHeld` ("another run holds the lock (pid N)").
    public func tryLock() throws -> RunLock {
        try RunLock.tryAcquire(path: lockPath)
    }

    /// Takes this ledger's run lock, waiting up to `timeout` seconds for another run to finish.
    public func lock(waitingUpTo timeout: TimeInterval) throws -> RunLock {
        try RunLock.acquire(path: lockPath, waitingUpTo: timeout)
    }
}
