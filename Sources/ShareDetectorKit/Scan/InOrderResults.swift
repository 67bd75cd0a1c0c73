import Foundation

/// The results of one stream's jobs on ``DetectionWorkers``, taken back in the order the jobs were handed in, with a
/// bound on how many (and how many bytes of input) are out at once, so a fast reader never piles up messages.
///
/// Used by one thread (the scan loop of one stream); the workers only store results. Without workers, a job runs at
/// once on the calling thread.
final class InOrderResults<Value: Sendable>: @unchecked Sendable {
    private let workers: DetectionWorkers?
    private let limit: Int
    private let byteLimit: Int
    private let condition = NSCondition()
    /// Finished results by sequence number (workers write under the condition's lock).
    private var finished: [Int: Value] = [:]
    /// Input bytes of each job still out, by sequence number (the loop's own bookkeeping).
    private var weights: [Int: Int] = [:]
    private var submitted = 0
    private var taken = 0
    private var bytesOut = 0

    /// Results of jobs on `workers` (`nil`: each job runs when handed in); at most `limit` jobs and `byteLimit` input
    /// bytes out at once (a single job over the byte limit is allowed alone).
    init(workers: DetectionWorkers?, limit: Int = 8, byteLimit: Int = 16 << 20) {
        self.workers = workers
        self.limit = max(1, limit)
        self.byteLimit = byteLimit
    }

    /// Jobs handed in and not yet taken back.
    var outstanding: Int { submitted - taken }

    /// Whether the next job should wait until a result is taken back (the count or byte bound is reached).
    var isFull: Bool { outstanding >= limit || (outstanding > 0 && bytesOut >= byteLimit) }

    /// Hands in a job whose input is `weight` bytes.
    func submit(weight: Int, _ job: @escaping @Sendable () -> Value) {
        let sequence = submitted
        submitted += 1
        weights[sequence] = weight
        bytesOut += weight
        guard let workers else {
            finished[sequence] = job()
            return
        }
        workers.run { [self] in
            let value = job()
            condition.lock()
            finished[sequence] = value
            condition.signal()
            condition.unlock()
        }
    }

    /// The oldest job's result, waiting for it; `nil` when no job is out.
    func takeNext() -> Value? {
        guard outstanding > 0 else { return nil }
        condition.lock()
        while finished[taken] == nil { condition.wait() }
        let value = finished.removeValue(forKey: taken)
        condition.unlock()
        release(taken)
        return value
    }

    /// The oldest job's result if it is finished, without waiting.
    func takeReady() -> Value? {
        guard outstanding > 0 else { return nil }
        condition.lock()
        let value = finished.removeValue(forKey: taken)
        condition.unlock()
        guard let value else { return nil }
        release(taken)
        return value
    }

    private func release(_ sequence: Int) {
        bytesOut -= weights.removeValue(forKey: sequence) ?? 0
        taken += 1
    }
}
