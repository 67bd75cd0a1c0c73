/// When to retry a failed send, and when to give up: exponential backoff with full jitter.
///
/// `delay(afterAttempt:unitRandom:)` is a pure function: the random draw is passed in, so tests never depend on
/// chance and never sleep. With the defaults (`baseDelay` 2 s, `maxDelay` 1,800 s):
///
/// | Failed attempt | Ceiling (base × 2^(attempt−1), capped) | Delay drawn uniformly from |
/// |---|---|---|
/// | 1 | 2 s | 0 … 2 s |
/// | 2 | 4 s | 0 … 4 s |
/// | 3 | 8 s | 0 … 8 s |
/// | 4 | 16 s | 0 … 16 s |
/// | 5 | 32 s | 0 … 32 s |
/// | 6 | 64 s | 0 … 64 s |
/// | 7 | 128 s | 0 … 128 s |
/// | 8 | 256 s | 0 … 256 s |
/// | 9 | 512 s | 0 … 512 s |
/// | 10 | 1,024 s | 0 … 1,024 s |
/// | 11 and later | 1,800 s (the cap) | 0 … 1,800 s |
///
/// "Full jitter" (the delay is uniform between 0 and the ceiling, not ceiling ± a little) spreads the retries of
/// many events and many processes so they do not hit Gong in lockstep after an outage.
///
/// A 429 is different: Gong's `Retry-After` (seconds) is honoured exactly, clamped to `0 … maxRetryAfter`; when the
/// header is missing, the backoff above is used. The pause applies to the whole sender (see `DeliveryAction`).
///
/// **Transient failures never give up.** A 5xx, a timeout, a refused or reset connection, a DNS or TLS failure or a
/// 429 only ever schedules another try; the attempt count is kept for reports. Only a definitive answer (Gong's 400)
/// makes an event dead. An event that has waited too long is an alert for the operator (`gong.alertAfterHours`),
/// not a reason to drop it.
public struct RetryPolicy: Sendable, Hashable {
    /// The ceiling of the first retry's delay, in seconds.
    public var baseDelay: Double
    /// The largest ceiling, in seconds.
    public var maxDelay: Double
    /// The largest `Retry-After` honoured, in seconds; longer values are clamped to it.
    public var maxRetryAfter: Double

    /// Creates a policy; every argument defaults to the documented default.
    public init(
        baseDelay: Double = 2,
        maxDelay: Double = 1_800,
        maxRetryAfter: Double = 86_400
    ) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The documented defaults.
    public static let `default` = RetryPolicy()

    /// The backoff ceiling after failed attempt number `attempt` (1-based): `min(maxDelay, baseDelay × 2^(attempt−1))`.
    public func ceiling(afterAttempt attempt: Int) -> Double {
        let exponent = max(0, min(attempt - 1, 62))
        let raw = baseDelay * Double(UInt64(1) << UInt64(exponent))
        return max(0, min(maxDelay, raw))
    }

    /// The delay before the next try after failed attempt `attempt`: `unitRandom × ceiling(afterAttempt:)`.
    ///
    /// `unitRandom` is a uniform draw from `0 ..< 1` supplied by the caller (values outside are clamped).
    public func delay(afterAttempt attempt: Int, unitRandom: Double) -> Double {
        let jitter = unitRandom.isNaN ? 0 : min(max(unitRandom, 0), 1)
        return jitter * ceiling(afterAttempt: attempt)
    }

    /// The delay before the next try after failed attempt `attempt`, drawing the jitter from `generator`.
    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Double {
        delay(afterAttempt: attempt, unitRandom: Double.random(in: 0..<1, using: &generator))
    }

    /// The delay before the next try after a 429: `Retry-After` clamped to `0 … maxRetryAfter`, or the backoff when
    /// Gong sent no usable header.
    public func rateLimitDelay(retryAfterSeconds: Int?, attempt: Int, unitRandom: Double) -> Double {
        guard let retryAfterSeconds else { return delay(afterAttempt: attempt, unitRandom: unitRandom) }
        return min(max(Double(retryAfterSeconds), 0), maxRetryAfter)
    }
}
