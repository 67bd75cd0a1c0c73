/// Stops a run's sending when Gong looks down, instead of burning the call budget on every pending event.
///
/// A pure value: fed each call's classified answer, it says whether to keep sending. Transport failures (no HTTP
/// answer) and 5xx answers count as consecutive failures; any other answer (200, 409, 400, 429, …) proves Gong is
/// up and resets the count. When the count reaches `threshold`, the run stops sending and leaves everything
/// pending. The count is persisted per Gong account, so the next run starts **open**: its first call is a probe,
/// and a failed probe stops it at once (one call, not `threshold`).
///
/// | consecutive failures before the call | call fails | call gets an answer |
/// |---|---|---|
/// | `0 ..< threshold − 1` | keep sending | keep sending, count = 0 |
/// | `threshold − 1` or more (open: the call is a probe) | stop | keep sending, count = 0 |
public struct SendingBreaker: Sendable, Hashable {
    /// Consecutive failures that stop a run.
    public var threshold: Int
    /// Consecutive failures so far (persisted between runs).
    public var consecutiveFailures: Int

    /// The default threshold: five failed calls in a row.
    public static let defaultThreshold = 5

    /// Creates a breaker with a persisted count.
    public init(threshold: Int = SendingBreaker.defaultThreshold, consecutiveFailures: Int = 0) {
        self.threshold = max(1, threshold)
        self.consecutiveFailures = max(0, consecutiveFailures)
    }

    /// Whether the breaker is open: the next call is a probe, and its failure stops the run.
    public var isOpen: Bool { consecutiveFailures >= threshold }

    /// What to do after a call.
    public enum Verdict: Sendable, Hashable {
        /// Send the next event.
        case keepSending
        /// Stop sending: Gong is down or unreachable.
        case stop
    }

    /// Whether `input` says Gong may be down (no HTTP answer, or a 5xx).
    public static func isFailure(_ input: DeliveryInput) -> Bool {
        switch input {
        case .transportError, .serverError: true
        case .ok, .conflict, .rateLimited, .badRequest, .unauthorized, .unexpectedStatus: false
        }
    }

    /// Feeds one call's answer.
    public mutating func observe(_ input: DeliveryInput) -> Verdict {
        guard Self.isFailure(input) else {
            consecutiveFailures = 0
            return .keepSending
        }
        consecutiveFailures += 1
        return consecutiveFailures >= threshold ? .stop : .keepSending
    }
}
