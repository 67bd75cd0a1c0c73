import Foundation
import MailFetching
import OAuth2Tokens

/// A run's OAuth 2 access to IMAP mailboxes: one in-memory token cache for every mailbox (``AccessTokenStore``), and
/// each key file, certificate, client secret and refresh token read once, however many mailboxes share it.
///
/// Thread-safe: mailboxes scanned at once ask for their credentials concurrently.
final class MailboxAccess: @unchecked Sendable {
    /// The token cache (one request per identity per run).
    let store: AccessTokenStore
    private let config: TeamConfig
    private let diagnostics: OutputSink
    private let keys = OnceCache<SecretReference, ServiceAccountKey>()
    private let certificates = OnceCache<String, ClientCertificate>()
    private let secrets = OnceCache<SecretReference, String>()
    private let refreshTokens = OnceCache<SecretReference, any RefreshTokenStore>()

    /// Access for `config`'s mailboxes, asking tokens through `transport`.
    init(config: TeamConfig, transport: any OAuth2Transport, diagnostics: OutputSink) {
        self.config = config
        self.diagnostics = diagnostics
        store = AccessTokenStore(transport: transport)
    }

    /// The credential of an IMAP mailbox: its password or token, or a token source for `oauth2:`.
    func credential(for settings: IMAPSettings, mailbox: String) throws(RunFailure) -> IMAPCredential {
        do {
            if let oauth2 = settings.oauth2 {
                let grant = try grant(
                    oauth2, provider: settings.provider, username: settings.username, mailbox: mailbox)
                let host = MailboxSchedule.host(ofURL: settings.url)
                return .oauth2(MailboxTokenSource(grant: grant, store: store, host: host))
            }
            if let token = settings.oauth2Token { return .oauth2Token(try config.resolve(token)) }
            if let password = settings.password { return .password(try config.resolve(password)) }
        } catch let error as SecretError {
            throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): \(error)")
        } catch let error as RunFailure {
            throw error
        } catch {
            throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): the secret cannot be read")
        }
        throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): no password, oauth2Token or oauth2")
    }

    /// The grant for `username`'s mailbox under `settings`.
    func grant(_ settings: OAuth2Settings, provider: IMAPProvider, username: String, mailbox: String)
        throws(RunFailure) -> OAuth2Grant
    {
        func microsoftURL(_ tenant: String?) -> String {
            "https://login.microsoftonline.com/\(tenant ?? "organizations")/oauth2/v2.0/token"
        }
        switch settings.flow {
        case .serviceAccount(let reference):
            let key = try serviceAccountKey(reference, mailbox: mailbox)
            let tokenURL = settings.tokenURL ?? key.tokenURI
            // The key file names its token endpoint: the signed assertion goes there, so only https (or loopback).
            guard ConfigNodeReader.isSafeEndpoint(tokenURL) else {
                throw RunFailure(
                    exitCode: 2,
                    message: "\(config.file): oauth2.serviceAccountKey \(reference): token_uri must be an https:// URL "
                        + "(http:// only for a loopback host)")
            }
            return OAuth2Grant(
                kind: .serviceAccount(key, subject: username), tokenURL: tokenURL,
                scope: settings.scope ?? "https://mail.google.com/", provider: .google)
        case .clientCredentials(let clientID, let proof):
            let credential: ClientCredential
            switch proof {
            case .secret(let reference): credential = .secret(try secret(reference, mailbox: mailbox))
            case .certificate(let certificate, let key):
                credential = .certificate(try clientCertificate(certificate, key: key, mailbox: mailbox))
            }
            return OAuth2Grant(
                kind: .clientCredentials(clientID: clientID, credential: credential),
                tokenURL: settings.tokenURL ?? microsoftURL(settings.tenant),
                scope: settings.scope ?? "https://outlook.office365.com/.default", provider: .microsoft)
        case .refreshToken(let reference, let clientID, let clientSecret):
            let store = try refreshTokenStore(reference, mailbox: mailbox)
            let secret = try clientSecret.map { reference throws(RunFailure) in
                try self.secret(reference, mailbox: mailbox)
            }
            let tokenURL =
                settings.tokenURL
                ?? (provider == .gmail ? "https://oauth2.googleapis.com/token" : microsoftURL(settings.tenant))
            let host = URL(string: tokenURL)?.host?.lowercased() ?? ""
            let kind: OAuth2Grant.Provider =
                provider == .gmail || host.hasSuffix("googleapis.com")
                ? .google : provider == .microsoft365 || host.hasSuffix("microsoftonline.com") ? .microsoft : .other
            let scope =
                settings.scope
                ?? (kind == .google
                    ? "https://mail.google.com/"
                    : "https://outlook.office.com/IMAP.AccessAsUser.All offline_access")
            return OAuth2Grant(
                kind: .refreshToken(clientID: clientID, clientSecret: secret, store: store), tokenURL: tokenURL,
                scope: scope, provider: kind)
        }
    }

    // MARK: Material, read once

    private func read(_ reference: SecretReference, what: String, mailbox: String) throws(RunFailure) -> String {
        do { return try config.resolve(reference) } catch {
            throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): \(what): \(error)")
        }
    }

    private func secret(_ reference: SecretReference, mailbox: String) throws(RunFailure) -> String {
        try secrets.value(for: reference) { () throws(RunFailure) in
            try read(reference, what: "oauth2.clientSecret", mailbox: mailbox)
        }
    }

    private func serviceAccountKey(_ reference: SecretReference, mailbox: String) throws(RunFailure)
        -> ServiceAccountKey
    {
        try keys.value(for: reference) { () throws(RunFailure) in
            let json = try read(reference, what: "oauth2.serviceAccountKey", mailbox: mailbox)
            do { return try ServiceAccountKey(json: Array(json.utf8), source: reference.description) } catch {
                throw RunFailure(exitCode: 2, message: "\(config.file): oauth2.serviceAccountKey: \(error)")
            }
        }
    }

    private func clientCertificate(_ certificate: SecretReference, key: SecretReference, mailbox: String)
        throws(RunFailure) -> ClientCertificate
    {
        try certificates.value(for: "\(certificate) \(key)") { () throws(RunFailure) -> ClientCertificate in
            let pem = try read(certificate, what: "oauth2.clientCertificate", mailbox: mailbox)
            let privateKey = try read(key, what: "oauth2.clientKey", mailbox: mailbox)
            do {
                return try ClientCertificate(certificatePEM: pem, privateKeyPEM: privateKey, source: config.file)
            } catch {
                throw RunFailure(exitCode: 2, message: "\(config.file): oauth2.clientCertificate: \(error)")
            }
        }
    }

    private func refreshTokenStore(_ reference: SecretReference, mailbox: String) throws(RunFailure)
        -> any RefreshTokenStore
    {
        // One store per file however its path is spelt, so a rotation is seen by every mailbox using it.
        var canonical = reference
        if case .file(let path) = reference, let resolved = realpath(path, nil) {
            canonical = .file(String(cString: resolved))
            free(resolved)
        }
        let diagnostics = diagnostics
        return try refreshTokens.value(for: canonical) { () throws(RunFailure) -> any RefreshTokenStore in
            if case .file(let path) = canonical {
                let warn: @Sendable (String) -> Void = { message in
                    diagnostics.line("share-detector: WARNING: mailbox \(mailbox): \(message)", level: .warning)
                }
                do { return try RefreshTokenFile(path: path, onSaveFailure: warn) } catch {
                    throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): \(error)")
                }
            }
            let token = try read(reference, what: "oauth2.refreshToken", mailbox: mailbox)
            return RefreshTokenValue(token: token, name: reference.description) { name in
                diagnostics.line(
                    "share-detector: WARNING: the refresh token from \(name) was rotated and cannot be saved there; "
                        + "the next run sends the old one and may be refused: use refreshToken: file:PATH",
                    level: .warning)
            }
        }
    }
}

/// The token source an IMAP connection asks at each login: the run's cache for one grant, its failures as IMAP
/// account failures (exit 3) that say what the administrator must fix.
struct MailboxTokenSource: IMAPAccessTokenSource {
    let grant: OAuth2Grant
    let store: AccessTokenStore
    let host: String

    func accessToken(rejecting rejected: String?) throws(IMAPError) -> String {
        do { return try store.accessToken(for: grant, rejecting: rejected) } catch {
            throw IMAPError(
                error.code == .unavailable ? .unavailable : .authenticationFailed, host: host,
                detail: "no OAuth 2 access token: \(error)")
        }
    }

    var loginRefusedHint: String? {
        switch grant.kind {
        case .clientCredentials:
            "the application may not open this mailbox: in Exchange Online PowerShell run New-ServicePrincipal for the "
                + "app once, then Add-MailboxPermission -Identity <mailbox> -User <service principal id> "
                + "-AccessRights FullAccess (see docs/microsoft-365.md)"
        case .serviceAccount:
            "check that the user exists and IMAP is on for them (Admin console → Apps → Google Workspace → Gmail → "
                + "End user access), see docs/google-workspace.md"
        case .refreshToken:
            "the user's consent may not include IMAP access: sign in again"
        }
    }
}

/// Values made once per key, each by the first asker, without holding a lock while it is made: others asking for the
/// same key wait for it, others asking for other keys go on. A failure is remembered like a value.
final class OnceCache<Key: Hashable & Sendable, Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var values: [Key: Result<Value, RunFailure>] = [:]
    private var making: Set<Key> = []

    /// The value for `key`, made by `make` when nobody has made it yet.
    func value(for key: Key, make: () throws(RunFailure) -> Value) throws(RunFailure) -> Value {
        condition.lock()
        while making.contains(key) { condition.wait() }
        if let known = values[key] {
            condition.unlock()
            return try known.get()
        }
        making.insert(key)
        condition.unlock()
        let made = Result { () throws(RunFailure) in try make() }
        condition.lock()
        values[key] = made
        making.remove(key)
        condition.broadcast()
        condition.unlock()
        return try made.get()
    }
}
