import GongEngagement
import Testing

/// A deterministic random source for tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy.default

    @Test(
        "the documented ceiling table",
        arguments: [
            (1, 2.0), (2, 4), (3, 8), (4, 16), (5, 32), (6, 64), (7, 128), (8, 256), (9, 512), (10, 1_024),
            (11, 1_800), (12, 1_800), (20, 1_800), (100, 1_800), (10_000, 1_800),
        ])
    func ceilingTable(_ attempt: Int, _ ceiling: Double) {
        #expect(policy.ceiling(afterAttempt: attempt) == ceiling)
    }

    @Test("attempt 0 or negative uses the base delay")
    func degenerateAttempts() {
        #expect(policy.ceiling(afterAttempt: 0) == 2)
        #expect(policy.ceiling(afterAttempt: -5) == 2)
    }

    @Test("full jitter scales the ceiling by the injected draw")
    func fullJitter() {
        #expect(policy.delay(afterAttempt: 3, unitRandom: 0) == 0)
        #expect(policy.delay(afterAttempt: 3, unitRandom: 0.5) == 4)
        #expect(policy.delay(afterAttempt: 3, unitRandom: 0.999) < 8)
        #expect(policy.delay(afterAttempt: 3, unitRandom: 7) == 8)
        #expect(policy.delay(afterAttempt: 3, unitRandom: -1) == 0)
        #expect(policy.delay(afterAttempt: 3, unitRandom: .nan) == 0)
    }

    @Test("delays drawn from a generator stay within 0 ..< ceiling and are reproducible")
    func generatorDraws() {
        var first = SeededGenerator(state: 42)
        var second = SeededGenerator(state: 42)
        for attempt in 1...30 {
            let delay = policy.delay(afterAttempt: attempt, using: &first)
            #expect(delay >= 0 && delay < policy.ceiling(afterAttempt: attempt))
            #expect(delay == policy.delay(afterAttempt: attempt, using: &second))
        }
    }

    @Test("Retry-After is honoured exactly, clamped, and falls back to backoff when absent")
    func retryAfter() {
        #expect(policy.rateLimitDelay(retryAfterSeconds: 7, attempt: 1, unitRandom: 0.9) == 7)
        #expect(policy.rateLimitDelay(retryAfterSeconds: 0, attempt: 1, unitRandom: 0.9) == 0)
        #expect(policy.rateLimitDelay(retryAfterSeconds: -3, attempt: 1, unitRandom: 0.9) == 0)
        #expect(
            policy.rateLimitDelay(retryAfterSeconds: 999_999, attempt: 1, unitRandom: 0.9) == 86_400,
            "a daily-limit 429 may ask to wait until midnight UTC")
        #expect(policy.rateLimitDelay(retryAfterSeconds: nil, attempt: 4, unitRandom: 0.5) == 8)
    }

    @Test("a custom policy changes base and cap")
    func customPolicy() {
        let custom = RetryPolicy(baseDelay: 0.5, maxDelay: 3)
        #expect((1...5).map { custom.ceiling(afterAttempt: $0) } == [0.5, 1, 2, 3, 3])
    }
}
