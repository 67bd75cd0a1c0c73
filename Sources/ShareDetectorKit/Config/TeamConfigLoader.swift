import Foundation
import GongEngagement
import ShareDetection
import Yams

/// Reads a team config file into a ``TeamConfig``, reporting every problem with file, line and key.
public enum TeamConfigLoader {
    /// Loads and validates `path`. Relative paths inside the file are relative to the file's folder.
    public static func load(path: String) throws(ConfigError) -> TeamConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(code: .unreadableFile, file: path, message: "cannot read the config file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses config text; `file` names it in errors and anchors relative paths.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> TeamConfig {
        let node = try YAMLNodeReader.compose(text, file: file)
        var reader = ConfigNodeReader(file: file)
        var directory = (file as NSString).deletingLastPathComponent
        if !directory.hasPrefix("/") {
            directory = (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(directory)
        }
        directory = (directory as NSString).standardizingPath
        var config = TeamConfig()
        config.file = file
        config.directory = directory
        guard let root = node else { throw ConfigError(code: .invalidValue, file: file, message: "the file is empty") }
        try reader.read(root, directory: directory, into: &config)
        config.keyLines = reader.lines
        var seen: Set<String> = []
        config.literalSecretKeys = config.literalSecretKeys.filter { seen.insert($0).inserted }
        return config
    }
}

/// Walks the YAML nodes of a config with the package's one YAML reader.
struct ConfigNodeReader {
    /// The shared reader: located errors, unknown keys, typed values.
    var yaml: YAMLNodeReader
    /// The line of every key read so far, by key path.
    var lines: [String: Int] { yaml.lines }

    init(file: String) {
        yaml = YAMLNodeReader(file: file)
    }

    /// The keys of `mailboxDefaults.imap`, read under every mailbox's own `imap` keys.
    var imapDefaults: [(String, Node, Node)] = []

    mutating func read(_ root: Node, directory: String, into config: inout TeamConfig) throws(ConfigError) {
        let keys = [
            "team", "internalDomains", "rules", "builtInRules", "exclude", "state", "gong", "mailboxes", "sharers",
            "crmAccounts", "secretCommandTimeoutSeconds", "concurrency", "imap", "mailboxDefaults", "mailboxSources",
            "statePassword", "leaseSeconds",
        ]
        config.statePath = (directory as NSString).appendingPathComponent("state/share-detector.sqlite")
        let fields = try yaml.mapping(root, "", allowed: keys)
        // The defaults come first wherever they are in the file: mailboxes are read on top of them.
        if let defaults = fields.first(where: { $0.0 == "mailboxDefaults" }) {
            try readMailboxDefaults(defaults.2, directory: directory, config: &config)
        }
        for (key, _, value) in fields {
            switch key {
            case "team": config.team = try yaml.string(value, key)
            case "internalDomains": config.internalDomains = try yaml.strings(value, key).map { $0.lowercased() }
            case "rules":
                var paths: [String] = []
                for (index, item) in (value.sequence.map(Array.init) ?? [value]).enumerated() {
                    let resolved = try yaml.path(item, "rules[\(index)]", directory: directory)
                    guard FileManager.default.fileExists(atPath: resolved) else {
                        throw yaml.error(.invalidValue, item, "rules[\(index)]", "no such file or folder: \(resolved)")
                    }
                    paths.append(resolved)
                }
                config.rulePaths = paths
            case "builtInRules": config.useBuiltInRules = try yaml.bool(value, key)
            case "secretCommandTimeoutSeconds":
                config.secretCommandTimeoutSeconds = try yaml.positive(value, key, maximum: 86_400)
            case "exclude":
                for (subkey, _, item) in try yaml.mapping(value, key, allowed: ["domains", "addresses"]) {
                    if subkey.hasSuffix("domains") {
                        config.excludedDomains = try yaml.strings(item, subkey).map { $0.lowercased() }
                    } else {
                        config.excludedAddresses = try yaml.strings(item, subkey).map { $0.lowercased() }
                    }
                }
            case "state":
                if let url = try postgresURL(value, key) {
                    config.stateURL = url
                } else {
                    config.statePath = try yaml.path(value, key, directory: directory)
                }
            case "leaseSeconds": config.leaseSeconds = try yaml.positive(value, key, maximum: 3_600)
            case "statePassword": config.statePassword = try secret(value, key, directory: directory, config: &config)
            case "concurrency": config.concurrency = try yaml.integer(value, key, range: 1...64)
            case "imap":
                for (subkey, _, item) in try yaml.mapping(value, key, allowed: ["maxConnectionsPerHost"]) {
                    config.imapMaxConnectionsPerHost = try yaml.integer(item, subkey, range: 1...100)
                }
            case "gong": try readGong(value, directory: directory, into: &config)
            case "mailboxes": config.mailboxes = try readMailboxes(value, directory: directory, config: &config)
            case "mailboxSources": config.mailboxSources = try readMailboxSources(value, directory: directory)
            case "sharers", "crmAccounts":
                var map: [String: String] = [:]
                for (subkey, keyNode, item) in try yaml.mapping(value, key, allowed: [String](allKeys(value))) {
                    map[(keyNode.string ?? "").lowercased()] = try yaml.string(item, subkey)
                }
                if key == "sharers" { config.sharers = map } else { config.crmAccounts = map }
            default: break
            }
        }
        if let password = fields.first(where: { $0.0 == "statePassword" }), config.stateURL == nil {
            throw yaml.error(
                .invalidValue, password.1, "statePassword",
                "statePassword is for a PostgreSQL ledger (state: postgresql://…); a SQLite ledger has no password")
        }
        if let sources = fields.first(where: { $0.0 == "mailboxSources" }) {
            guard let defaults = config.imapDefaults else {
                throw yaml.error(
                    .missingKey, sources.1, "mailboxDefaults.imap",
                    "mailboxSources needs mailboxDefaults.imap: the provider, server and oauth2 settings every "
                        + "listed person's mailbox uses")
            }
            if defaults.url.isEmpty {
                throw yaml.error(
                    .missingKey, fields.first { $0.0 == "mailboxDefaults" }?.1, "mailboxDefaults.imap.url",
                    "mailboxSources needs the server every listed person's mailbox is on: url, or provider: gmail "
                        + "or microsoft365, in mailboxDefaults.imap")
            }
            if defaults.oauth2 == nil && defaults.password == nil && defaults.oauth2Token == nil {
                throw yaml.error(
                    .missingKey, fields.first { $0.0 == "mailboxDefaults" }?.1, "mailboxDefaults.imap.oauth2",
                    "mailboxSources needs the login every listed person's mailbox uses: oauth2 in "
                        + "mailboxDefaults.imap")
            }
        }
    }

    /// `state` as a PostgreSQL URL (`postgresql://` or `postgres://`), `nil` when it is a SQLite path. A password
    /// written in the URL is refused: it would be shown wherever the URL is; `statePassword` takes it.
    mutating func postgresURL(_ node: Node, _ key: String) throws(ConfigError) -> String? {
        let value = try yaml.string(node, key)
        let lower = value.lowercased()
        guard lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") else { return nil }
        let afterScheme = value[value.range(of: "://")!.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
            throw yaml.error(
                .invalidValue, node, key,
                "the URL holds a password: remove it and set statePassword: env:NAME (or use PGPASSWORD or ~/.pgpass)")
        }
        if lower.contains("password=") {
            throw yaml.error(
                .invalidValue, node, key,
                "the URL holds a password parameter: remove it and set statePassword: env:NAME (or use ~/.pgpass)")
        }
        return value
    }

    /// Whether credentials may be sent to `url`: `https://` with a host, or `http://` to a loopback host (the sandbox,
    /// a test server). The one rule for `gong.baseURL`, `oauth2.tokenURL` and a key file's `token_uri`.
    static func isSafeEndpoint(_ url: String) -> Bool {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host else {
            return false
        }
        return scheme == "https" || (scheme == "http" && isLoopback(host))
    }

    /// Whether `host` is a loopback address or name: 127.0.0.0/8, ::1, localhost.
    static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "localhost." || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && UInt8(part) != nil
        }
    }

    func allKeys(_ node: Node) -> [String] {
        node.mapping?.keys.compactMap(\.string) ?? []
    }

    mutating func secret(_ node: Node, _ key: String, directory: String, config: inout TeamConfig)
        throws(ConfigError) -> SecretReference
    {
        let value = try yaml.string(node, key)
        guard !value.isEmpty else { throw yaml.error(.invalidValue, node, key, "expected a secret reference") }
        let reference = SecretReference(value, relativeTo: directory)
        if reference.isLiteral { config.literalSecretKeys.append(key) }
        return reference
    }

    private mutating func readGong(_ node: Node, directory: String, into config: inout TeamConfig) throws(ConfigError) {
        let keys = [
            "api", "baseURL", "accessKey", "accessKeySecret", "bearerToken", "reportingSystem", "workspaceId",
            "callsPerSecond", "callsPerDay", "includeMessageBody", "maxBodyBytes", "connectTimeoutSeconds",
            "requestTimeoutSeconds", "alertAfterHours", "maxWaitSeconds", "caFile",
        ]
        var gong = GongSettings()
        for (key, _, value) in try yaml.mapping(node, "gong", allowed: keys) {
            switch key {
            case "gong.api":
                let name = try yaml.string(value, key)
                guard let api = GongAPI(rawValue: name) else {
                    let names = GongAPI.allCases.map(\.rawValue)
                    let hint = names.first { ruleEditDistance($0, name.lowercased()) <= 3 }.map {
                        " (did you mean '\($0)'?)"
                    }
                    throw yaml.error(
                        .invalidValue, value, key,
                        "expected \(names.joined(separator: " or ")), got '\(name)'\(hint ?? "")")
                }
                gong.api = api
            case "gong.baseURL":
                let url = try yaml.string(value, key)
                guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
                    scheme == "https" || scheme == "http", parsed.host != nil
                else {
                    throw yaml.error(.invalidValue, value, key, "expected an http(s) URL such as https://api.gong.io")
                }
                if !Self.isSafeEndpoint(url) {
                    throw yaml.error(
                        .invalidValue, value, key,
                        "http:// would send the Gong credentials and events in clear: use https:// "
                            + "(http:// is allowed only for a loopback host: 127.0.0.1, ::1, localhost)")
                }
                gong.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            case "gong.accessKey": gong.accessKey = try secret(value, key, directory: directory, config: &config)
            case "gong.accessKeySecret":
                gong.accessKeySecret = try secret(value, key, directory: directory, config: &config)
            case "gong.bearerToken": gong.bearerToken = try secret(value, key, directory: directory, config: &config)
            case "gong.reportingSystem":
                gong.reportingSystem = try yaml.string(value, key)
                if gong.reportingSystem.isEmpty { throw yaml.error(.invalidValue, value, key, "must not be empty") }
            case "gong.workspaceId": gong.workspaceId = try yaml.string(value, key)
            case "gong.callsPerSecond": gong.callsPerSecond = try yaml.number(value, key, range: 0.01...1000)
            case "gong.callsPerDay": gong.callsPerDay = Int(try yaml.number(value, key, range: 1...10_000_000))
            case "gong.includeMessageBody": gong.includeMessageBody = try yaml.bool(value, key)
            case "gong.maxBodyBytes": gong.maxBodyBytes = Int(try yaml.number(value, key, range: 256...1_000_000))
            case "gong.connectTimeoutSeconds":
                gong.connectTimeoutSeconds = Int(try yaml.number(value, key, range: 1...600))
            case "gong.requestTimeoutSeconds":
                gong.requestTimeoutSeconds = Int(try yaml.number(value, key, range: 1...3600))
            case "gong.alertAfterHours": gong.alertAfterHours = try yaml.positive(value, key, maximum: 87_600)
            case "gong.maxWaitSeconds": gong.maxWaitSeconds = try yaml.number(value, key, range: 0...86_400)
            case "gong.caFile": gong.caFile = try yaml.path(value, key, directory: directory)
            default: break
            }
        }
        if (gong.accessKey == nil) != (gong.accessKeySecret == nil) {
            throw yaml.error(
                .missingKey, node, gong.accessKey == nil ? "gong.accessKey" : "gong.accessKeySecret",
                "accessKey and accessKeySecret go together")
        }
        if gong.bearerToken != nil && gong.accessKey != nil {
            throw yaml.error(
                .invalidValue, node, "gong.bearerToken", "use either bearerToken or the access key pair, not both")
        }
        config.gong = gong
    }

    private mutating func readMailboxes(_ node: Node, directory: String, config: inout TeamConfig)
        throws(ConfigError) -> [MailboxConfig]
    {
        guard let sequence = node.sequence else {
            throw yaml.error(.invalidValue, node, "mailboxes", "expected a list")
        }
        var mailboxes: [MailboxConfig] = []
        var names: Set<String> = []
        for (index, item) in sequence.enumerated() {
            let base = "mailboxes[\(index)]"
            var name: String?
            var source: MailboxConfig.Source?
            for (key, _, value) in try yaml.mapping(item, base, allowed: ["name", "mbox", "eml", "imap"]) {
                switch key {
                case "\(base).name": name = try yaml.string(value, key)
                case "\(base).mbox", "\(base).eml":
                    guard source == nil else { throw yaml.error(.invalidValue, value, key, "a mailbox has one source") }
                    let resolved = try yaml.path(value, key, directory: directory)
                    source = key.hasSuffix("mbox") ? .mbox(resolved) : .emlFolder(resolved)
                case "\(base).imap":
                    guard source == nil else { throw yaml.error(.invalidValue, value, key, "a mailbox has one source") }
                    let own = try yaml.mapping(value, key, allowed: Self.imapKeys)
                    source = .imap(
                        try readIMAP(merging: own, node: value, base: key, directory: directory, config: &config))
                default: break
                }
            }
            guard let source else {
                throw yaml.error(.missingKey, item, base, "a mailbox needs one of mbox, eml or imap")
            }
            guard let name, !name.isEmpty else {
                throw yaml.error(.missingKey, item, "\(base).name", "a mailbox needs a name")
            }
            guard names.insert(name).inserted else {
                throw yaml.error(.invalidValue, item, "\(base).name", "mailbox name '\(name)' is used twice")
            }
            mailboxes.append(MailboxConfig(name: name, source: source))
        }
        return mailboxes
    }
}
