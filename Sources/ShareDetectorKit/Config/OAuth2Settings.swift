/// Which mail service a mailbox is on: it sets the server, the Sent folder and the connection limit, so nobody types
/// them (`imap.provider`).
public enum IMAPProvider: String, Sendable, CaseIterable {
    /// Google Workspace / Gmail: `imaps://imap.gmail.com`, at most 15 connections per account.
    case gmail
    /// Microsoft 365 / Exchange Online: `imaps://outlook.office365.com`.
    case microsoft365
    /// Any other IMAP server: `url` is required.
    case generic

    /// The server URL used when the config gives none.
    var defaultURL: String? {
        switch self {
        case .gmail: "imaps://imap.gmail.com"
        case .microsoft365: "imaps://outlook.office365.com"
        case .generic: nil
        }
    }

    /// Whether the provider counts connections per account (so the per-host cap is per mailbox, not per server).
    var limitsConnectionsPerAccount: Bool { self != .generic }
}

/// How a mailbox gets OAuth 2 access tokens (`imap.oauth2`), unresolved: secrets are references, read at run time.
public struct OAuth2Settings: Sendable {
    /// A client-credentials grant's proof.
    public enum ClientProof: Sendable {
        /// `clientSecret`.
        case secret(SecretReference)
        /// `clientCertificate` + `clientKey` (PEM).
        case certificate(SecretReference, key: SecretReference)
    }

    /// The grant.
    public enum Flow: Sendable {
        /// `serviceAccountKey`: a Google service account with domain-wide delegation (JWT-bearer grant).
        case serviceAccount(key: SecretReference)
        /// `clientId` + `clientSecret` or `clientCertificate`/`clientKey`: Microsoft app-only access.
        case clientCredentials(clientID: String, proof: ClientProof)
        /// `refreshToken` + `clientId` (+ `clientSecret`): one user's consent.
        case refreshToken(SecretReference, clientID: String, clientSecret: SecretReference?)
    }

    /// The grant.
    public var flow: Flow
    /// `tokenURL`: the full token endpoint, overriding the provider's.
    public var tokenURL: String?
    /// `tenant`: the Microsoft Entra tenant (id or `…onmicrosoft.com` domain).
    public var tenant: String?
    /// `scope`: overrides the grant's usual scope.
    public var scope: String?

    /// Creates settings.
    public init(flow: Flow, tokenURL: String? = nil, tenant: String? = nil, scope: String? = nil) {
        self.flow = flow
        self.tokenURL = tokenURL
        self.tenant = tenant
        self.scope = scope
    }

    /// Short name of the grant, for `validate --resolve`: `service account`, `app (client secret)`, ….
    public var kindDescription: String {
        switch flow {
        case .serviceAccount: "service account"
        case .clientCredentials(_, .secret): "app-only (client secret)"
        case .clientCredentials(_, .certificate): "app-only (certificate)"
        case .refreshToken: "refresh token"
        }
    }
}

/// Where more mailboxes come from (`mailboxSources`): each person becomes an IMAP mailbox named by their address,
/// with `mailboxDefaults.imap` and their address as the user name.
public enum MailboxSource: Sendable, Equatable {
    /// Gong's users list: `active` users only when set, in `emailDomains` when not empty.
    case gongUsers(activeOnly: Bool, emailDomains: [String])
    /// A CSV file with a header row `email[,name][,gongUserId]` (absolute path).
    case csv(String)
}
