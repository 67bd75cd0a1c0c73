import GongEngagement

/// How `GongClient.allUsers` retries one page of `GET /v2/users`.
///
/// - 5xx, 408 and transient transport failures (timeout, refused or reset connection, DNS) are retried up to
///   `maxAttempts` calls per page in all, after `backoff`'s full-jitter delay (or a 5xx's `Retry-After`, if longer
///   and at most `maxRetryAfter`). TLS and other transport failures are not retried: they do not heal by waiting.
/// - A 429 is waited out for its `Retry-After` (or `backoff` without one) when that is at most `maxRetryAfter`
///   seconds, at most `maxRateLimitWaits` times per page; a 429 does not use up an attempt.
/// - Everything else (400, 401, 403, 404, a malformed body) ends the listing at once.
public struct GongUsersRetry: Sendable, Hashable {
    /// Calls per page for 5xx and transient transport failures, the first included (at least 1).
    public var maxAttempts: Int
    /// The delays between those calls (`RetryPolicy`'s full jitter), and after a 429 without `Retry-After`.
    public var backoff: RetryPolicy
    /// The longest wait honoured, in seconds; a longer `Retry-After` ends the listing with `rateLimited`.
    public var maxRetryAfter: Double
    /// 429s waited out per page before giving up.
    public var maxRateLimitWaits: Int

    /// Creates a retry plan: by default 4 calls per page, 1 s … 16 s backoff, waits of up to 60 s, 10 waits per page.
    public init(
        maxAttempts: Int = 4,
        backoff: RetryPolicy = RetryPolicy(baseDelay: 1, maxDelay: 16, maxRetryAfter: 60),
        maxRetryAfter: Double = 60,
        maxRateLimitWaits: Int = 10
    ) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.maxRetryAfter = maxRetryAfter
        self.maxRateLimitWaits = maxRateLimitWaits
    }
}
