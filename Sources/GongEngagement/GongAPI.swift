/// The Gong endpoint a team's events go to: `gong.api` in the team config.
///
/// Both take the same detection record; `content-shared` is Gong's engagement API (tagged "Legacy – see Digital
/// Interactions" since 2024), `digital-interaction` its successor. See docs/delivery.md for the field mapping.
public enum GongAPI: String, Sendable, Hashable, CaseIterable, Codable {
    /// `PUT /v2/customer-engagement/content/shared` (scope `api:engagement-data:write`).
    case contentShared = "content-shared"
    /// `POST /v2/digital-interaction` (scope `api:digital-interactions:write`).
    case digitalInteraction = "digital-interaction"

    /// The request path, below the account's base URL.
    public var path: String {
        switch self {
        case .contentShared: "/v2/customer-engagement/content/shared"
        case .digitalInteraction: "/v2/digital-interaction"
        }
    }

    /// The HTTP method.
    public var method: String {
        switch self {
        case .contentShared: "PUT"
        case .digitalInteraction: "POST"
        }
    }

    /// The OAuth scope a Bearer token needs for it.
    public var scope: String {
        switch self {
        case .contentShared: "api:engagement-data:write"
        case .digitalInteraction: "api:digital-interactions:write"
        }
    }
}

/// One Gong request body, of either API: what the ledger stores and the client sends.
public enum GongEvent: Sendable, Hashable {
    /// A `ContentSharedEvent` for `PUT /v2/customer-engagement/content/shared`.
    case contentShared(ContentSharedEvent)
    /// A `DigitalInteractionEvent` for `POST /v2/digital-interaction`.
    case digitalInteraction(DigitalInteractionEvent)

    /// The API this body is for.
    public var api: GongAPI {
        switch self {
        case .contentShared: .contentShared
        case .digitalInteraction: .digitalInteraction
        }
    }

    /// The deterministic `eventId` (empty when a content-shared event has none).
    public var eventId: String {
        switch self {
        case .contentShared(let event): event.eventId ?? ""
        case .digitalInteraction(let event): event.eventId
        }
    }

    /// The canonical content id.
    public var contentId: String {
        switch self {
        case .contentShared(let event): event.contentId
        case .digitalInteraction(let event): event.content.contentId ?? ""
        }
    }

    /// Every issue of the body against its API's schema; empty when it is fit to send.
    public func validate(limits: EventLimits = .default) -> [ValidationIssue] {
        switch self {
        case .contentShared(let event): EventValidator.validate(event, limits: limits)
        case .digitalInteraction(let event): EventValidator.validate(event, limits: limits)
        }
    }
}

extension GongEvent: Encodable {
    /// Encodes the wrapped body itself (no wrapper object): the exact JSON its endpoint takes.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .contentShared(let event): try event.encode(to: encoder)
        case .digitalInteraction(let event): try event.encode(to: encoder)
        }
    }
}
