/// One identity's access token over a run, as a pure state machine: asked for a token, it answers *use this one*,
/// *fetch one* (and only one asker at a time is told so), *wait* (another asker is fetching), or *fail*.
///
/// - A token is used until its refresh time: `expires_in` minus 5 minutes (or a quarter of the lifetime for
///   tokens shorter than 20 minutes); while one asker refreshes it, or when the refresh failed, the others go on
///   using it until it expires.
/// - A token a server refused is replaced once: not when it was issued within the last minute (the refusal is then
///   about the mailbox, not the token), and not when it already replaced a refused one. So one mailbox the
///   application may not open costs at most one extra request per token, however many times it is refused.
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
    /// Whether the current token was fetched to replace a refused one.
    private var replacedRefused = false
    /// Whether the fetch under way replaces a refused token.
    private var fetchingForRefusal = false
    /// Token requests started so far.
    package private(set) var requests = 0

    /// A lifecycle with no token yet.
    package init() {}

    /// Asked for a token at `now` (seconds); `rejected` is a token a server has just refused.
    package mutating func next(now: Double, rejected: String? = nil) -> Action {
        var refused = false
        if let rejected, rejected == token, now - issuedAt >= Self.freshSeconds, !replacedRefused {
            token = nil
            refused = true
        }
        if let token, now < refreshAt { return .use(token) }
        if fetching {
            if let token, now < expiresAt { return .use(token) }
            return .wait
        }
        if let failure, now < failureUntil {
            if let token, now < expiresAt { return .use(token) }
            return .fail(failure)
        }
        failure = nil
        fetching = true
        fetchingForRefusal = refused
        requests += 1
        return .fetch
    }

    /// The fetch gave `token`, valid `expiresIn` seconds from `now`.
    package mutating func fetched(token: String, expiresIn: Int, now: Double) {
        fetching = false
        replacedRefused = fetchingForRefusal
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
