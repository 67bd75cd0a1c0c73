import Foundation

/// The delivery loop's sense of time: what time it is, and waiting. Injected so tests can run a 30-hour outage in
/// milliseconds (a clock whose `sleep` only moves its own `now`).
public protocol DeliveryClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Waits until `date` (returns at once when it has passed). May return early when the run is interrupted.
    func sleep(until date: Date)
}

/// Wall-clock time; `sleep` wakes every 100 ms to notice an interruption (SIGINT/SIGTERM).
public struct SystemDeliveryClock: DeliveryClock {
    /// Creates the clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date { Date() }

    /// Sleeps in slices of at most 100 ms until `date` or an interruption.
    public func sleep(until date: Date) {
        while !RunInterruption.isRequested {
            let remaining = date.timeIntervalSinceNow
            guard remaining > 0 else { return }
            Thread.sleep(forTimeInterval: min(remaining, 0.1))
        }
    }
}
