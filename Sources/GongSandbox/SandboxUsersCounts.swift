/// The answers of `GET /v2/users` so far, as `GET /api/stats` serves them under `users`, keyed by status:
/// `{"calls": 4, "200": 3, "400": 0, "401": 0, "404": 0, "429": 1, "5xx": 0}`.
///
/// Users calls count against the same rate limit as the event APIs, but not in the event counts (`200` at the top
/// of the stats still counts events only).
public struct SandboxUsersCounts: Sendable, Hashable, Codable {
    /// Every call, whatever its answer.
    public var calls = 0
    /// 200 responses (one page each).
    public var ok = 0
    /// 400 responses (an invalid cursor).
    public var badRequest = 0
    /// 401 responses.
    public var unauthorized = 0
    /// 404 responses (no users configured).
    public var notFound = 0
    /// 429 responses.
    public var rateLimited = 0
    /// An outage's answers other than 429 (see `SandboxFaults.outageStatus`).
    public var serverError = 0

    /// Creates zero counts.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case calls
        case ok = "200"
        case badRequest = "400"
        case unauthorized = "401"
        case notFound = "404"
        case rateLimited = "429"
        case serverError = "5xx"
    }
}
