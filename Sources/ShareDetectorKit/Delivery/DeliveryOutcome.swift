import GongEngagement
import ShareLedger

/// Maps the HTTP client's answer onto the delivery state machine's input (the ledger stores the transition as it is:
/// `OutboxUpdate(transition)`).
public enum DeliveryOutcome {
    /// Classifies one call's result per the product's response handling.
    public static func input(for result: GongCallResult) -> DeliveryInput {
        switch result {
        case .response(let status, let requestId, let errors, let retryAfter):
            switch status {
            case 200...299: return .ok(requestId: requestId)
            case 409: return .conflict(requestId: requestId)
            case 429: return .rateLimited(retryAfterSeconds: retryAfter, requestId: requestId)
            // 413 (body too large) and 422 (unprocessable) are as definitive as 400 for this one event; treating
            // them as "unexpected" would put it back first in line and stall every run behind it.
            case 400, 413, 422: return .badRequest(errors: errors, requestId: requestId)
            case 401, 403: return .unauthorized(status: status, requestId: requestId)
            case 408, 500...599:
                return .serverError(status: status, requestId: requestId, retryAfterSeconds: retryAfter)
            default: return .unexpectedStatus(status: status, requestId: requestId)
            }
        case .transportError(let kind, _):
            switch kind {
            case .timeout: return .transportError(.timeout)
            case .connectionRefused: return .transportError(.connectionFailed)
            case .connectionReset: return .transportError(.connectionReset)
            case .dnsFailure: return .transportError(.dnsFailure)
            case .tls: return .transportError(.tlsFailure)
            case .other: return .transportError(.other)
            }
        }
    }

    /// Whether a call's request may have reached Gong and been stored: anything but a connection that was refused,
    /// a DNS or TLS failure, or a 4xx other than 408 and 409 (a 429, 401/403, 404 from an API the account does not
    /// have, a rejection of the event: 400, 413, 422). An attempt that may have
    /// reached Gong binds the event to that API for good (docs/delivery.md, "Switching the API").
    public static func mayHaveReachedGong(_ result: GongCallResult) -> Bool {
        switch result {
        case .transportError(let kind, _):
            return !Deliverer.neverReachedGong(kind)
        case .response(let status, _, _, _):
            // A 4xx other than 408 (timeout) and 409 (already stored) is Gong declining the request before storing it.
            return !(400...499).contains(status) || status == 408 || status == 409
        }
    }
}
