import Foundation

/// Threads that parse and detect for the scan loop, shared by every stream of a run, so one folder's messages use
/// every core while its reader fetches the next ones (``InOrderResults`` hands each stream's results back in reading
/// order).
///
/// Real threads with the main thread's stack (parsing a deeply nested message recurses), started at the first job;
/// they end when the pool is released.
final class DetectionWorkers: @unchecked Sendable {
    /// How many threads run jobs.
    let threadCount: Int
    private let queue: JobQueue

    /// A pool of `threads` threads (at least one).
    init(threads: Int) {
        threadCount = max(1, threads)
        queue = JobQueue()
    }

    /// The pool a scan uses by default: one thread per core, at most ``maxDefaultThreads``, or none on one core (the
    /// loop then parses itself, no hand-over cost).
    static func forThisMachine() -> DetectionWorkers? {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return cores > 1 ? DetectionWorkers(threads: min(cores, maxDefaultThreads)) : nil
    }

    /// The most threads a scan starts by default (a container may see the host's cores, not its own share of them).
    static let maxDefaultThreads = 16

    deinit { queue.close() }

    /// Runs `job` on one of the threads, after the jobs handed in before it have started.
    func run(_ job: @escaping @Sendable () -> Void) {
        queue.push(job, startingThreads: threadCount)
    }

    /// The jobs and the threads' lifetime; the threads hold this, not the pool, so releasing the pool ends them.
    private final class JobQueue: @unchecked Sendable {
        private let condition = NSCondition()
        private var jobs: [@Sendable () -> Void] = []
        private var head = 0
        private var started = false
        private var closing = false

        func push(_ job: @escaping @Sendable () -> Void, startingThreads count: Int) {
            condition.lock()
            jobs.append(job)
            let start = !started
            started = true
            condition.signal()
            condition.unlock()
            guard start else { return }
            for _ in 0..<count {
                let thread = Thread { [self] in work() }
                thread.stackSize = 8 << 20
                thread.name = "share-detector detection"
                thread.start()
            }
        }

        func close() {
            condition.lock()
            closing = true
            condition.broadcast()
            condition.unlock()
        }

        /// What a slot holds once its job was taken.
        private static let taken: @Sendable () -> Void = {}

        private func work() {
            condition.lock()
            while true {
                if head < jobs.count {
                    let job = jobs[head]
                    // The slot lets go of the job (and the messages it holds) now, not at the next compaction.
                    jobs[head] = Self.taken
                    head += 1
                    if head > 1_024, head * 2 > jobs.count {
                        jobs.removeFirst(head)
                        head = 0
                    }
                    condition.unlock()
                    job()
                    condition.lock()
                } else if closing {
                    condition.unlock()
                    return
                } else {
                    condition.wait()
                }
            }
        }
    }
}
