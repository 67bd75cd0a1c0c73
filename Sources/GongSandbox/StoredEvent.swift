import GongEngagement

/// An event the sandbox accepted: one line of `events.jsonl` and one item of `GET /api/events`.
public struct StoredEvent: Sendable, Hashable, Codable {
    /// The `requestId` the sandbox answered with.
    public var requestId: String
    /// When the sandbox stored it, ISO-8601 UTC with milliseconds.
    public var receivedAt: String
    /// The event as decoded from the request.
    public var event: ContentSharedEvent

    /// Creates a stored event.
    public init(requestId: String, receivedAt: String, event: ContentSharedEvent) {
        self.requestId = requestId
        self.receivedAt = receivedAt
        self.event = event
    }
}
