import Foundation

/// Posts a token request: the one network step of token acquisition, so the rest is tested without sockets.
public protocol OAuth2Transport: Sendable {
    /// POSTs `form` (`application/x-www-form-urlencoded`) to `url`; returns the HTTP status and body, or throws
    /// ``OAuth2Error/Code/unavailable`` when no answer came.
    func post(url: String, form: [UInt8]) throws(OAuth2Error) -> (status: Int, body: [UInt8])
}

/// Access tokens of every identity in a run, in memory only: one token request per identity, shared by every
/// connection and thread that needs it, refreshed before it expires (``AccessTokenLifecycle``).
///
/// Thread-safe. Tokens never leave this object except as the return value of ``accessToken(for:rejecting:)``; they
/// are not logged, described or written anywhere. A rotated refresh token is saved to its store before the access
/// token that came with it is used.
public final class AccessTokenStore: @unchecked Sendable {
    private let transport: any OAuth2Transport
    private let clock: @Sendable () -> Date
    private let condition = NSCondition()
    private var lifecycles: [String: AccessTokenLifecycle] = [:]
    /// Delays between attempts when the endpoint is unreachable or answers 5xx / 429.
    private let retryDelays: [Double]

    /// A store that posts through `transport` and reads the time from `clock`.
    public init(
        transport: any OAuth2Transport, retryDelays: [Double] = [1, 3],
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.transport = transport
        self.retryDelays = retryDelays
        self.clock = clock
    }

    /// A valid access token for `grant`; `rejected` is a token a server has just refused (see
    /// ``AccessTokenLifecycle``). Blocks while another thread fetches the same identity's token.
    public func accessToken(for grant: OAuth2Grant, rejecting rejected: String? = nil) throws(OAuth2Error) -> String {
        let identity = grant.identity
        condition.lock()
        defer { condition.unlock() }
        while true {
            let now = clock().timeIntervalSince1970
            var lifecycle = lifecycles[identity] ?? AccessTokenLifecycle()
            let action = lifecycle.next(now: now, rejected: rejected)
            lifecycles[identity] = lifecycle
            switch action {
            case .use(let token): return token
            case .fail(let error): throw error
            case .wait: condition.wait()
            case .fetch:
                condition.unlock()
                let result = Result { () throws(OAuth2Error) in try fetch(grant) }
                condition.lock()
                let finished = clock().timeIntervalSince1970
                switch result {
                case .success(let answer):
                    lifecycles[identity]?.fetched(token: answer.accessToken, expiresIn: answer.expiresIn, now: finished)
                case .failure(let error):
                    lifecycles[identity]?.failed(error, now: finished)
                }
                condition.broadcast()
                if case .success(let answer) = result { return answer.accessToken }
                if case .failure(let error) = result { throw error }
            }
        }
    }

    /// Token requests started for `grant`'s identity in this run.
    public func requestCount(for grant: OAuth2Grant) -> Int {
        condition.withLock { lifecycles[grant.identity]?.requests ?? 0 }
    }

    /// One token request, retried on temporary failures; saves a rotated refresh token first.
    private func fetch(_ grant: OAuth2Grant) throws(OAuth2Error) -> OAuth2TokenAnswer {
        var attempt = 0
        while true {
            do {
                let fields = try OAuth2TokenRequest.fields(
                    for: grant, now: clock(), jti: UUID().uuidString.lowercased())
                let (status, body) = try transport.post(
                    url: grant.tokenURL, form: OAuth2TokenRequest.formEncoded(fields))
                let answer = try OAuth2TokenAnswer.read(status: status, body: body, grant: grant)
                if let rotated = answer.refreshToken, case .refreshToken(_, _, let store) = grant.kind,
                    rotated != store.current()
                {
                    store.replace(with: rotated)
                }
                return answer
            } catch {
                guard error.code == .unavailable, attempt < retryDelays.count else { throw error }
                Thread.sleep(forTimeInterval: retryDelays[attempt])
                attempt += 1
            }
        }
    }
}
