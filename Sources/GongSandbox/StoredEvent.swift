import GongEngagement

/// An event the sandbox accepted, of either API: one line of `events.jsonl` and one item of `GET /api/events`.
///
/// JSON: `{"api": "content-shared" | "digital-interaction", "event": {the request body as received, decoded},
/// "receivedAt": "…", "requestId": "…"}`. A line without `api` (written before the sandbox took digital
/// interactions) is a content-shared event.
public struct StoredEvent: Sendable, Hashable {
    /// The `requestId` the sandbox answered with.
    public var requestId: String
    /// When the sandbox stored it, ISO-8601 UTC with milliseconds.
    public var receivedAt: String
    /// The event as decoded from the request.
    public var event: GongEvent

    /// Creates a stored event.
    public init(requestId: String, receivedAt: String, event: GongEvent) {
        self.requestId = requestId
        self.receivedAt = receivedAt
        self.event = event
    }

    /// The API the event was sent to (its endpoint).
    public var api: GongAPI { event.api }

    /// The event's timestamp as sent: `eventTimestamp` or `timestamp`.
    public var timestamp: String {
        switch event {
        case .contentShared(let event): event.eventTimestamp
        case .digitalInteraction(let event): event.timestamp
        }
    }
}

extension StoredEvent: Codable {
    enum CodingKeys: String, CodingKey {
        case requestId, receivedAt, api, event
    }

    /// Decodes `event` as the body of `api` (content shared when `api` is absent).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try container.decode(String.self, forKey: .requestId)
        receivedAt = try container.decode(String.self, forKey: .receivedAt)
        switch try container.decodeIfPresent(GongAPI.self, forKey: .api) ?? .contentShared {
        case .contentShared:
            event = .contentShared(try container.decode(ContentSharedEvent.self, forKey: .event))
        case .digitalInteraction:
            event = .digitalInteraction(try container.decode(DigitalInteractionEvent.self, forKey: .event))
        }
    }

    /// Encodes `api` and the body as sent (no wrapper around it).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestId, forKey: .requestId)
        try container.encode(receivedAt, forKey: .receivedAt)
        try container.encode(api, forKey: .api)
        try container.encode(event, forKey: .event)
    }
}
