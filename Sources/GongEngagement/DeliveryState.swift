import Foundation

/// Where one event is in its delivery to Gong.
///
/// ```
/// pending ──claim──▶ sending(n) ──200/409──▶ delivered
///    ▲                 │  │  └──400, or too many / too old transient failures──▶ dead
///    └──401/403/other──┘  └──429/5xx/transport──▶ retry(at, n) ──claim when due──▶ sending(n+1)
/// ```
public enum DeliveryState: Sendable, Hashable {
    /// Waiting for its first (or next, after a stopped run) send.
    case pending
    /// A run is sending it; `attempt` is the 1-based counted attempt number.
    case sending(attempt: Int)
    /// Gong has it (200, or 409 for an earlier send that got through).
    case delivered(requestId: String?)
    /// Failed transiently; may be sent again at `at`. `attempt` counts the attempts used so far.
    case retry(at: Date, attempt: Int)
    /// Will never be sent again without an operator's action.
    case dead(DeadLetter)

    /// The name of a state: what the ledger stores and `status` counts (the state without its values).
    public enum Name: String, Sendable, Hashable, CaseIterable, Codable {
        /// ``DeliveryState/pending``.
        case pending
        /// ``DeliveryState/sending(attempt:)``: a run has claimed the event.
        case sending
        /// ``DeliveryState/delivered(requestId:)``.
        case delivered
        /// ``DeliveryState/retry(at:attempt:)``: due again at its time.
        case retry
        /// ``DeliveryState/dead(_:)``.
        case dead
    }

    /// The state's name as stored in the ledger.
    public var name: Name {
        switch self {
        case .pending: .pending
        case .sending: .sending
        case .delivered: .delivered
        case .retry: .retry
        case .dead: .dead
        }
    }

    /// Whether no further delivery will happen (`delivered` or `dead`).
    public var isFinal: Bool {
        switch self {
        case .delivered, .dead: true
        case .pending, .sending, .retry: false
        }
    }
}

/// Why an event is dead, with what Gong said.
public struct DeadLetter: Sendable, Hashable {
    /// Why the event went dead.
    public enum Reason: String, Sendable, Hashable {
        /// Gong answered 400: the only answer that is definitive (transient failures are retried for ever).
        case badRequest
    }

    /// Why.
    public var reason: Reason
    /// The HTTP status of the last attempt, when there was one.
    public var status: Int?
    /// Gong's `errors` (400), or a one-line description of the last failure.
    public var errors: [String]
    /// Gong's `requestId` of the last attempt, when known.
    public var requestId: String?

    /// Creates a dead letter.
    public init(reason: Reason, status: Int? = nil, errors: [String] = [], requestId: String? = nil) {
        self.reason = reason
        self.status = status
        self.errors = errors
        self.requestId = requestId
    }
}
