/// What the sandbox answered so far, as served by `GET /api/stats`.
///
/// JSON keys are the statuses: `{"200": 3, "400": 1, "401": 0, "409": 2, "429": 5, "5xx": 1, "dropped": 1,
/// "events": 4}`. `dropped` counts requests whose event was stored (or was a duplicate) and whose connection was
/// then reset; they are not counted under 200 or 409. `events` is the number of stored events.
public struct SandboxStats: Sendable, Hashable, Codable {
    /// 200 responses.
    public var ok = 0
    /// 400 responses (malformed JSON or validation issues).
    public var badRequest = 0
    /// 401 responses.
    public var unauthorized = 0
    /// 409 responses (duplicate `reportingSystem` + `eventId`).
    public var conflict = 0
    /// 429 responses.
    public var rateLimited = 0
    /// Injected 500 responses.
    public var serverError = 0
    /// Requests answered by resetting the connection.
    public var dropped = 0
    /// Events stored (including those loaded from the data directory).
    public var events = 0

    /// Creates empty stats.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case ok = "200"
        case badRequest = "400"
        case unauthorized = "401"
        case conflict = "409"
        case rateLimited = "429"
        case serverError = "5xx"
        case dropped
        case events
    }
}
