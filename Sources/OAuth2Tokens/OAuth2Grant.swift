/// One identity that asks a token endpoint for access tokens, and how: a Google service account acting for one
/// mailbox, a Microsoft application acting for itself, or one user's refresh token.
///
/// Grants with the same ``identity`` share one cached token (``AccessTokenStore``).
public struct OAuth2Grant: Sendable {
    /// How the grant proves who it is.
    public enum Kind: Sendable {
        /// Google's JWT-bearer grant: a JWT signed with the service account's key, `sub` = the mailbox.
        case serviceAccount(ServiceAccountKey, subject: String)
        /// The client-credentials grant (Microsoft app-only access): a client secret or a signed assertion.
        case clientCredentials(clientID: String, credential: ClientCredential)
        /// The refresh-token grant (one user's consent); a rotated refresh token is written back to `store`.
        case refreshToken(clientID: String, clientSecret: String?, store: any RefreshTokenStore)
    }

    /// Whose token endpoint it is, for the advice in errors.
    public enum Provider: String, Sendable {
        /// Google (`oauth2.googleapis.com`).
        case google
        /// Microsoft identity platform (`login.microsoftonline.com`).
        case microsoft
        /// Another provider.
        case other
    }

    /// How the grant proves who it is.
    public var kind: Kind
    /// The full token endpoint URL.
    public var tokenURL: String
    /// The scope asked for (`https://mail.google.com/`, `https://outlook.office365.com/.default`).
    public var scope: String
    /// Whose endpoint, for advice in errors.
    public var provider: Provider

    /// Creates a grant.
    public init(kind: Kind, tokenURL: String, scope: String, provider: Provider) {
        self.kind = kind
        self.tokenURL = tokenURL
        self.scope = scope
        self.provider = provider
    }

    /// The cache key: grants that yield the same token have the same identity (a service account and a subject; an
    /// application at a token URL; a refresh token's store). Holds no secret.
    public var identity: String {
        switch kind {
        case .serviceAccount(let key, let subject): "jwt-bearer \(tokenURL) \(key.clientEmail) \(subject.lowercased())"
        case .clientCredentials(let clientID, _): "client-credentials \(tokenURL) \(clientID) \(scope)"
        case .refreshToken(let clientID, _, let store): "refresh-token \(tokenURL) \(clientID) \(store.name)"
        }
    }

    /// The secrets this grant sends (client secret, refresh token), to mask in any text it returns.
    var secrets: [String] {
        switch kind {
        case .serviceAccount: []
        case .clientCredentials(_, .secret(let secret)): [secret]
        case .clientCredentials: []
        case .refreshToken(_, let secret, let store): [secret, store.current()].compactMap { $0 }
        }
    }
}

/// How a client-credentials grant authenticates.
public enum ClientCredential: Sendable {
    /// A client secret (sent in the form body).
    case secret(String)
    /// A certificate: a JWT client assertion signed with its key.
    case certificate(ClientCertificate)
}

extension OAuth2Grant: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `OAuth2Grant(<identity>)`: the kind, endpoint and who, never a secret or key.
    public var description: String { "OAuth2Grant(\(identity))" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// No children: `dump` and `print` of a grant never reach its secrets.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension ClientCredential: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `secret(***)` or `certificate(x5t …)`: never the secret.
    public var description: String {
        switch self {
        case .secret: "secret(***)"
        case .certificate(let certificate): "certificate(x5t \(certificate.sha1Thumbprint))"
        }
    }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// No children.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension OAuth2Grant.Kind: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The kind and who, never a secret: `refreshToken(client c, RefreshTokenFile(path))`.
    public var description: String {
        switch self {
        case .serviceAccount(let key, let subject): "serviceAccount(\(key), subject \(subject))"
        case .clientCredentials(let clientID, let credential): "clientCredentials(client \(clientID), \(credential))"
        case .refreshToken(let clientID, let secret, let store):
            "refreshToken(client \(clientID)\(secret == nil ? "" : ", secret ***"), \(store))"
        }
    }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// No children: `dump` never reaches a secret.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
