import GongEngagement

/// What the sandbox answered so far, as served by `GET /api/stats`: the totals, and the same counts for each API.
///
/// JSON keys are the statuses: `{"200": 3, "400": 1, "401": 0, "409": 2, "429": 5, "5xx": 1, "dropped": 1,
/// "events": 4, "content-shared": {"200": 2, …, "events": 3}, "digital-interaction": {"200": 1, …, "events": 1},
/// "users": {"calls": 3, "200": 3, …}}`.
/// `dropped` counts requests whose event was stored (or was a duplicate) and whose connection was then reset; they
/// are not counted under 200 or 409. `events` is the number of stored events. Both APIs count against one rate
/// limit, as one Gong account does. `users` counts `GET /v2/users` on its own (it shares the rate limit too, but is
/// not part of the totals, which stay the event APIs').
public struct SandboxStats: Sendable, Hashable, Codable {
    /// The totals over both APIs.
    public var total = SandboxCounts()
    /// The counts of `PUT /v2/customer-engagement/content/shared`.
    public var contentShared = SandboxCounts()
    /// The counts of `POST /v2/digital-interaction`.
    public var digitalInteraction = SandboxCounts()
    /// The counts of `GET /v2/users`.
    public var users = SandboxUsersCounts()

    /// Creates empty stats.
    public init() {}

    /// The counts of one API.
    public subscript(api: GongAPI) -> SandboxCounts {
        get {
            switch api {
            case .contentShared: contentShared
            case .digitalInteraction: digitalInteraction
            }
        }
        set {
            switch api {
            case .contentShared: contentShared = newValue
            case .digitalInteraction: digitalInteraction = newValue
            }
        }
    }

    /// Counts one answer of `api` in its counts and in the total.
    public mutating func count(_ keyPath: WritableKeyPath<SandboxCounts, Int>, api: GongAPI) {
        total[keyPath: keyPath] += 1
        self[api][keyPath: keyPath] += 1
    }

    /// 200 responses.
    public var ok: Int {
        get { total.ok }
        set { total.ok = newValue }
    }
    /// 400 responses (malformed JSON or validation issues).
    public var badRequest: Int {
        get { total.badRequest }
        set { total.badRequest = newValue }
    }
    /// 401 responses.
    public var unauthorized: Int {
        get { total.unauthorized }
        set { total.unauthorized = newValue }
    }
    /// 409 responses (an event id accepted before).
    public var conflict: Int {
        get { total.conflict }
        set { total.conflict = newValue }
    }
    /// 429 responses.
    public var rateLimited: Int {
        get { total.rateLimited }
        set { total.rateLimited = newValue }
    }
    /// Injected 500 responses (and an outage's 5xx).
    public var serverError: Int {
        get { total.serverError }
        set { total.serverError = newValue }
    }
    /// Requests answered by resetting the connection.
    public var dropped: Int {
        get { total.dropped }
        set { total.dropped = newValue }
    }
    /// Events stored (including those loaded from the data directory).
    public var events: Int {
        get { total.events }
        set { total.events = newValue }
    }

    enum CodingKeys: String, CodingKey {
        case contentShared = "content-shared"
        case digitalInteraction = "digital-interaction"
        case users
    }

    /// Decodes the flat totals, the per-API objects and the users counts (absent ones are empty).
    public init(from decoder: any Decoder) throws {
        total = try SandboxCounts(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        contentShared = try container.decodeIfPresent(SandboxCounts.self, forKey: .contentShared) ?? SandboxCounts()
        digitalInteraction =
            try container.decodeIfPresent(SandboxCounts.self, forKey: .digitalInteraction) ?? SandboxCounts()
        users = try container.decodeIfPresent(SandboxUsersCounts.self, forKey: .users) ?? SandboxUsersCounts()
    }

    /// Encodes the totals flat, next to one object per API and the users counts.
    public func encode(to encoder: any Encoder) throws {
        try total.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(contentShared, forKey: .contentShared)
        try container.encode(digitalInteraction, forKey: .digitalInteraction)
        try container.encode(users, forKey: .users)
    }
}

/// One set of answer counts (see `SandboxStats`), keyed by status in JSON.
public struct SandboxCounts: Sendable, Hashable, Codable {
    /// 200 responses.
    public var ok = 0
    /// 400 responses (malformed JSON or validation issues).
    public var badRequest = 0
    /// 401 responses.
    public var unauthorized = 0
    /// 409 responses (an event id accepted before).
    public var conflict = 0
    /// 429 responses.
    public var rateLimited = 0
    /// Injected 500 responses (and an outage's 5xx).
    public var serverError = 0
    /// Requests answered by resetting the connection.
    public var dropped = 0
    /// Events stored (including those loaded from the data directory).
    public var events = 0

    /// Creates zero counts.
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
