import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGINT / SIGTERM handling for the long-running commands (`scan`, `send`).
///
/// The first signal only sets a flag: the scan loop and the sender check it between messages and between calls,
/// finish the call in flight, commit, release the lock, say where they stopped and exit with 128 + the signal
/// (130 for SIGINT, 143 for SIGTERM). A second signal exits at once with the same status (the ledger is
/// transactional: anything not committed is simply done again by the next run).
public enum RunInterruption {
    private static let signalNumber = Atomic<Int32>(0)

    /// Installs the handlers (idempotent), and unblocks both signals on the calling thread: a parent may have
    /// started us with them blocked (a blocked SIGTERM would otherwise be ignored until the run ends).
    public static func install() {
        // Initialise the flag here, never first inside the handler (a lazy global's once-initialiser is not
        // async-signal-safe).
        _ = signalNumber.load(ordering: .relaxed)
        // A SIGINT ignored by the parent (`nohup`, a background job) stays ignored, as for any well-behaved tool.
        let previous = Glibc.signal(SIGINT, handle)
        if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
            _ = Glibc.signal(SIGINT, SIG_IGN)
        }
        _ = Glibc.signal(SIGTERM, handle)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Whether a signal asked the run to stop.
    public static var isRequested: Bool { signalNumber.load(ordering: .relaxed) != 0 }

    /// The signal received (0 when none).
    public static var receivedSignal: Int32 { signalNumber.load(ordering: .relaxed) }

    /// The exit status for the received signal: 128 + its number.
    public static var exitStatus: Int32 { 128 + receivedSignal }

    /// The signal's name, `SIGINT` or `SIGTERM`.
    public static var signalName: String {
        let number = receivedSignal
        return number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)"
    }

    /// For tests: pretends `number` arrived (0 clears).
    package static func simulate(_ number: Int32) {
        signalNumber.store(number, ordering: .relaxed)
    }

    private static let handle: @convention(c) (Int32) -> Void = { number in
        let (exchanged, _) = signalNumber.compareExchange(expected: 0, desired: number, ordering: .relaxed)
        if !exchanged {
            let message: StaticString = "share-detector: second signal: exiting now\n"
            _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
            _exit(128 + number)
        }
    }
}
