import GongEngagement

/// One team's configuration: mailboxes, internal domains, rules, Gong settings, state location.
///
/// Every field has a default so a config can stay short; `config.example.yml` documents every key.
public struct TeamConfig: Sendable {
    /// The config file it was read from (empty for the built-in default).
    public var file: String = ""
    /// The config file's folder (absolute; empty for the built-in default): `command:` secrets run there.
    public var directory: String = ""
    /// The team's name, for reports.
    public var team: String = "default"
    /// Domains whose addresses are colleagues, not prospects. Empty: each sender's own domain.
    public var internalDomains: [String] = []
    /// Rule files or folders on top of the built-in rules, as absolute paths.
    public var rulePaths: [String] = []
    /// Whether the built-in rules are used (set `builtInRules: false` to use only the team's).
    public var useBuiltInRules = true
    /// Extra exclusions: recipient or sender domains and addresses that never produce events.
    public var excludedDomains: [String] = []
    /// Addresses that never produce events.
    public var excludedAddresses: [String] = []
    /// The ledger's path (absolute), when it is a SQLite file.
    public var statePath: String = "state/share-detector.sqlite"
    /// The shared PostgreSQL ledger's URL (`state: postgresql://…`), `nil` for a SQLite file; never holds a password.
    public var stateURL: String?
    /// `statePassword`: the PostgreSQL password (else libpq's `PGPASSWORD` / `~/.pgpass`).
    public var statePassword: SecretReference?
    /// `leaseSeconds`: how long a scanner's lease on a mailbox lasts without a heartbeat (shared ledger).
    public var leaseSeconds: Double = 60
    /// Where the ledger is, for messages: the SQLite path or the PostgreSQL URL.
    public var stateLocation: String { stateURL ?? statePath }
    /// Gong settings.
    public var gong = GongSettings()
    /// Mailboxes to scan.
    public var mailboxes: [MailboxConfig] = []
    /// `mailboxDefaults.imap`: what every IMAP mailbox (and each one from `mailboxSources`) starts from; its
    /// `username` is empty.
    public var imapDefaults: IMAPSettings?
    /// `mailboxSources`: where more mailboxes come from (resolved at run time by ``MailboxDirectory``).
    public var mailboxSources: [MailboxSource] = []
    /// Gong user ids by sharer email (lowercased).
    public var sharers: [String: String] = [:]
    /// Display names by sharer email (lowercased), from `mailboxSources`: used when a message's `From` has none.
    public var sharerNames: [String: String] = [:]
    /// Salesforce Account ids by recipient domain (lowercased), for `crmContext`; subdomains match their nearest listed
    /// parent domain.
    public var crmAccounts: [String: String] = [:]
    /// Keys that hold a literal secret (for the warning about readable files).
    public var literalSecretKeys: [String] = []
    /// Seconds a `command:` secret may run before its process group is killed (`secretCommandTimeoutSeconds`).
    public var secretCommandTimeoutSeconds: Double = 30
    /// Mailboxes scanned at once (`concurrency`, default 4; `scan --concurrency` overrides it).
    public var concurrency = 4
    /// IMAP connections open at once to one server, `host:port` (`imap.maxConnectionsPerHost`, default 8; Gmail
    /// allows 15 per account).
    public var imapMaxConnectionsPerHost = 8
    /// The 1-based line of each key read from the file, by key path (`gong.caFile`, `mailboxes[0].mbox`), so later
    /// checks can name where a value came from.
    public var keyLines: [String: Int] = [:]

    /// The built-in default configuration.
    public init() {}
}

/// How events reach Gong.
public struct GongSettings: Sendable {
    /// The Gong API events are posted to: `content-shared` (the engagement API) or `digital-interaction` (its
    /// successor). Switching never re-sends a delivered event (docs/delivery.md).
    public var api: GongAPI = .contentShared
    /// The customer-specific API host.
    public var baseURL = "https://api.gong.io"
    /// Basic auth: access key.
    public var accessKey: SecretReference?
    /// Basic auth: access key secret.
    public var accessKeySecret: SecretReference?
    /// Bearer token, instead of the key pair.
    public var bearerToken: SecretReference?
    /// The stable id of this deployment.
    public var reportingSystem = "share-detector"
    /// The Gong workspace for events.
    public var workspaceId: String?
    /// Pace: calls per second shared by every run on this ledger.
    public var callsPerSecond: Double = 3
    /// Daily call budget.
    public var callsPerDay = 10_000
    /// Whether `sharingMessageBody` is sent.
    public var includeMessageBody = true
    /// Cap of `sharingMessageBody`, in UTF-8 bytes.
    public var maxBodyBytes = 32_768
    /// Seconds to wait for a connection.
    public var connectTimeoutSeconds = 10
    /// Seconds for a whole request.
    public var requestTimeoutSeconds = 30
    /// Hours an event may wait undelivered before scan, send and status exit with status 1.
    public var alertAfterHours: Double = 24
    /// The longest a run waits out a 429 pause, in seconds, before it stops sending (the next run goes on).
    public var maxWaitSeconds: Double = 60
    /// A PEM bundle to trust instead of the system CA store (absolute path); `nil`: the system CAs.
    public var caFile: String?

    /// Defaults.
    public init() {}
}

/// One mailbox of a team.
public struct MailboxConfig: Sendable {
    /// Where its messages are.
    public enum Source: Sendable {
        /// An mbox file (absolute path).
        case mbox(String)
        /// A folder of `.eml` files (absolute path).
        case emlFolder(String)
        /// An IMAP account.
        case imap(IMAPSettings)
    }

    /// Name for reports and checkpoints.
    public var name: String
    /// Where the mail is.
    public var source: Source

    /// Creates a mailbox.
    public init(name: String, source: Source) {
        self.name = name
        self.source = source
    }
}

/// An IMAP account.
public struct IMAPSettings: Sendable {
    /// `imaps://host[:port][/folder]` or `imap://…` (STARTTLS required); from the provider when not given.
    public var url: String
    /// The mail service (`gmail`, `microsoft365`, `generic`).
    public var provider: IMAPProvider = .generic
    /// Built-in OAuth 2 token acquisition (`oauth2:`), instead of a password or a ready token.
    public var oauth2: OAuth2Settings?
    /// Login name.
    public var username: String
    /// Password (SASL PLAIN / LOGIN).
    public var password: SecretReference?
    /// OAuth 2 token (XOAUTH2).
    public var oauth2Token: SecretReference?
    /// Extra CA certificates (absolute path).
    public var caFile: String?
    /// Folders to scan; empty: the folder with the `\Sent` attribute.
    public var folders: [String] = []
    /// Allow plaintext IMAP without TLS.
    public var allowInsecure = false
    /// First run: scan mail since this date (`YYYY-MM-DD`).
    public var since: String?
    /// First run: scan this many days back (default 30).
    public var lastDays = 30
    /// `fetch: whole`: download every message whole instead of its header and text parts (`fetch: parts`, the
    /// default), for a server whose BODYSTRUCTURE cannot be trusted.
    public var fetchWholeMessages = false

    /// Creates settings.
    public init(url: String, username: String) {
        self.url = url
        self.username = username
    }
}
