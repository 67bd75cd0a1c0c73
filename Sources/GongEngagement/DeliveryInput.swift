/// The classified result of one attempt to send an event to Gong: the input of `DeliveryStateMachine`.
///
/// The HTTP client turns a response (or a failure to get one) into exactly one of these; the state machine never
/// sees raw HTTP.
public enum DeliveryInput: Sendable, Hashable {
    /// 200: Gong accepted the event.
    case ok(requestId: String?)
    /// 409: Gong already has this event (an earlier send got through): counts as delivered.
    case conflict(requestId: String? = nil)
    /// 429: over Gong's rate limit; `Retry-After` in seconds when the header was present and numeric.
    case rateLimited(retryAfterSeconds: Int?, requestId: String? = nil)
    /// 5xx (and 408): Gong failed; retried with backoff, or after `Retry-After` seconds when Gong sent one and it
    /// is longer (a 503 during maintenance).
    case serverError(status: Int, requestId: String? = nil, retryAfterSeconds: Int? = nil)
    /// No HTTP response at all; retried with backoff (a resend is safe: Gong answers 409 if the first one landed).
    case transportError(TransportErrorKind)
    /// 400: Gong rejected the event; it goes to dead with Gong's `errors`, never retried blindly.
    case badRequest(errors: [String], requestId: String?)
    /// 401 or 403: credentials or entitlement; the event goes back to pending and the run stops.
    case unauthorized(status: Int, requestId: String? = nil)
    /// Any other status (3xx, 404, …): most likely a wrong base URL or proxy; the event goes back to pending and
    /// the run stops, so nothing is lost and nothing is sent again blindly.
    case unexpectedStatus(status: Int, requestId: String? = nil)
}

/// Why no HTTP response arrived.
public enum TransportErrorKind: String, Sendable, Hashable, CaseIterable {
    /// The request timed out (Gong may or may not have received it).
    case timeout
    /// The connection could not be made.
    case connectionFailed
    /// The connection was reset or closed mid-exchange.
    case connectionReset
    /// The host name could not be resolved.
    case dnsFailure
    /// The TLS handshake failed.
    case tlsFailure
    /// Any other transport failure.
    case other
}
