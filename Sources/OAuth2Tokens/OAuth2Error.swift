/// Why no access token could be had: a stable code, the provider's own words, and what an administrator must fix.
///
/// Never holds a secret: the provider's `error_description` is kept (it names client ids and tenants, not keys), cut
/// to a bounded length, with every secret of the request masked.
public struct OAuth2Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable {
        /// A key, certificate or key file cannot be used (not RSA, not PEM, missing fields).
        case invalidCredential = "oauth2-invalid-credential"
        /// The token endpoint refused the grant (`invalid_grant`, `unauthorized_client`, `invalid_client`, …): a
        /// person must change something before it can work.
        case refused = "oauth2-refused"
        /// The token endpoint could not be reached or answered 5xx / 429: trying later may work.
        case unavailable = "oauth2-unavailable"
        /// The endpoint answered something that is not a token response.
        case invalidAnswer = "oauth2-invalid-answer"
        /// TLS with the token endpoint failed (certificate not trusted, wrong name): retrying will not help.
        case tlsFailure = "oauth2-tls-failure"
    }

    /// What went wrong.
    public var code: Code
    /// The provider's error (`invalid_grant: …`) or the local reason, without secrets.
    public var detail: String
    /// What the administrator must do about it, when known.
    public var hint: String?

    /// Creates an error.
    public init(_ code: Code, detail: String, hint: String? = nil) {
        self.code = code
        self.detail = detail
        self.hint = hint
    }

    /// Whether asking again in this run is pointless (the answer will be the same until someone fixes it).
    public var isPermanent: Bool { code != .unavailable }

    /// `oauth2-…: detail (fix: hint)`.
    public var description: String {
        hint.map { "\(code.rawValue): \(detail). Fix: \($0)" } ?? "\(code.rawValue): \(detail)"
    }
}
