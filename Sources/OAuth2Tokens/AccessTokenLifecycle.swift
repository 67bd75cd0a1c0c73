/// One identity's access token over a run, as a pure state machine: asked for a token, it answers *use this one*,
/// *fetch one* (and only one asker at a time is told so), *wait* (another asker is fetching), or *fail*.
///
/// - A token is used until its refresh time: `expires_in` minus 5 minutes (or a quarter of the lifetime for
///   tokens shorter than 20 minutes); while one asker refreshes it, the others go on using it until it expires.
/// - A token a server refused is not handed out again, unless it was issued within the last minute: then the
///   server's refusal is about the mailbox, not the token, and asking for another would not help.
/// - A refused grant (a permanent failure) is remembered for the run: one request per identity, not one per
///   mailbox. A temporary failure (unreachable, 5xx) is remembered for ``retryAfterSeconds``, then tried again.
package struct AccessTokenLifecycle: Sendable {
    /// What the asker must do.
    package enum Action: Sendable, Equatable {
        /// Use this token.
        case use(String)
        /// Fetch a token, then report ``fetched(token:expiresIn:now:)`` or ``failed(_:now:)``.
        case fetch
        /// Another asker is fetching: wait for its report, then ask again.
        case wait
        /// No token this run (or for now).
        case fail(OAuth2Error)
    }

    /// How long a temporary failure is answered from memory.
    package static let retryAfterSeconds = 10.0
    /// A refused token younger than this is not replaced.
    package static let freshSeconds = 60.0

    private var token: String?
    private var issuedAt = 0.0
    private var expiresAt = 0.0
    private var refreshAt = 0.0
    private var fetching = false
    private var failure: OAuth2Error?
    private var failureUntil = 0.0
    /// Token requests started so far.
    package private(set) var requests = 0

    /// A lifecycle with no token yet.
    package init() {}

    /// Asked for a token at `now` (seconds); `rejected` is a token a server has just refused.
    package mutating func next(now: Double, rejected: String? = nil) -> Action {
        if let rejected, rejected == token, now - issuedAt >= Self.freshSeconds {
            token = nil
        }
        if let token, now < refreshAt { return .use(token) }
        if fetching {
            if let token, now < expiresAt { return .use(token) }
            return .wait
        }
        if let failure, now < failureUntil { return .fail(failure) }
        failure = nil
        fetching = true
        requests += 1
        return .fetch
    }

    /// The fetch gave `token`, valid `expiresIn` seconds from `now`.
    package mutating func fetched(token: String, expiresIn: Int, now: Double) {
        fetching = false
        self.token = token
        issuedAt = now
        expiresAt = now + Double(expiresIn)
        refreshAt = expiresAt - min(300, Double(expiresIn) / 4)
    }

    /// The fetch failed at `now`.
    package mutating func failed(_ error: OAuth2Error, now: Double) {
        fetching = false
        failure = error
        failureUntil = error.isPermanent ? .infinity : now + Self.retryAfterSeconds
    }
}
