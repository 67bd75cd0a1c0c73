import Foundation
import ShareDetection
import Yams

/// The IMAP part of a team config: a mailbox's `imap` block over `mailboxDefaults.imap`, its OAuth 2 settings, and
/// `mailboxSources`.
extension ConfigNodeReader {
    /// Every key an `imap` block (or `mailboxDefaults.imap`) takes.
    static let imapKeys = [
        "provider", "url", "username", "password", "oauth2Token", "oauth2", "caFile", "folders", "allowInsecure",
        "since", "lastDays", "fetch",
    ]

    /// `mailboxDefaults: { imap: {…} }`: kept as key nodes, read under each mailbox's own keys (which win), and checked
    /// now on their own so a mistake is reported at its line even before a mailbox uses it.
    mutating func readMailboxDefaults(_ node: Node, directory: String, config: inout TeamConfig) throws(ConfigError) {
        for (key, _, value) in try yaml.mapping(node, "mailboxDefaults", allowed: ["imap"]) {
            imapDefaults = try yaml.mapping(value, key, allowed: Self.imapKeys)
            let saved = imapDefaults
            imapDefaults = []
            var template = try readIMAP(
                merging: saved, node: value, base: key, directory: directory, config: &config, template: true)
            template.username = ""
            config.imapDefaults = template
            imapDefaults = saved
        }
    }

    /// `mailboxSources: [ {gongUsers: {active, emailDomains}}, {csv: path} ]`.
    mutating func readMailboxSources(_ node: Node, directory: String) throws(ConfigError) -> [MailboxSource] {
        guard let sequence = node.sequence else {
            throw yaml.error(.invalidValue, node, "mailboxSources", "expected a list of gongUsers: or csv: entries")
        }
        var sources: [MailboxSource] = []
        for (index, item) in sequence.enumerated() {
            let base = "mailboxSources[\(index)]"
            let fields = try yaml.mapping(item, base, allowed: ["gongUsers", "csv"])
            guard fields.count == 1, let (key, _, value) = fields.first else {
                throw yaml.error(.invalidValue, item, base, "each entry is one gongUsers: or csv:")
            }
            if key.hasSuffix(".csv") {
                let path = try yaml.path(value, key, directory: directory)
                sources.append(.csv(path))
            } else {
                var activeOnly = true
                var domains: [String] = []
                if value.mapping != nil {
                    for (subkey, _, setting) in try yaml.mapping(value, key, allowed: ["active", "emailDomains"]) {
                        if subkey.hasSuffix(".active") {
                            activeOnly = try yaml.bool(setting, subkey)
                        } else {
                            domains = try yaml.strings(setting, subkey).map { $0.lowercased() }
                        }
                    }
                } else if value.scalar?.string.isEmpty != true && value.bool != true {
                    throw yaml.error(
                        .invalidValue, value, key, "expected { active: true, emailDomains: [example.com] }")
                }
                sources.append(.gongUsers(activeOnly: activeOnly, emailDomains: domains))
            }
        }
        return sources
    }

    /// An `imap` block's keys over `mailboxDefaults.imap` (each key of `own` replaces the default of that name).
    /// `template`: the defaults alone, where `username` may be absent.
    mutating func readIMAP(
        merging own: [(String, Node, Node)], node: Node, base: String, directory: String, config: inout TeamConfig,
        template: Bool = false
    ) throws(ConfigError) -> IMAPSettings {
        func name(_ path: String) -> Substring { path.split(separator: ".").last ?? "" }
        var ownNames = Set(own.map { name($0.0) })
        // Keys that mean one thing together: a mailbox's own login, window or server replaces the defaults' whole group.
        for group in [["password", "oauth2Token", "oauth2"], ["since", "lastDays"], ["provider", "url"]]
        where group.contains(where: { ownNames.contains(Substring($0)) }) {
            for key in group { ownNames.insert(Substring(key)) }
        }
        let fields = imapDefaults.filter { !ownNames.contains(name($0.0)) } + own
        func field(_ key: String) -> (String, Node, Node)? { fields.first { name($0.0) == key } }

        var provider = IMAPProvider.generic
        if let (key, _, value) = field("provider") {
            let text = try yaml.string(value, key)
            guard let known = IMAPProvider(rawValue: text) else {
                let names = IMAPProvider.allCases.map(\.rawValue)
                let hint = names.first { ruleEditDistance($0, text.lowercased()) <= 3 }.map {
                    " (did you mean '\($0)'?)"
                }
                throw yaml.error(
                    .invalidValue, value, key, "expected \(names.joined(separator: ", ")), got '\(text)'\(hint ?? "")")
            }
            provider = known
        }
        let url: String
        if let (key, _, value) = field("url") {
            url = try yaml.string(value, key)
            let lowered = url.lowercased()
            guard lowered.hasPrefix("imaps://") || lowered.hasPrefix("imap://") else {
                throw yaml.error(.invalidValue, value, key, "expected imaps://host or imap://host")
            }
        } else if let known = provider.defaultURL {
            url = known
        } else if template {
            url = ""  // each mailbox gives its own; mailboxSources then needs one here (checked by the loader)
        } else {
            throw yaml.error(
                .missingKey, node, "\(base).url", "an IMAP mailbox needs a url, or provider: gmail or microsoft365")
        }
        var username = ""
        if let (key, _, value) = field("username") {
            username = try yaml.string(value, key)
        } else if !template {
            throw yaml.error(.missingKey, node, "\(base).username", "an IMAP mailbox needs a username")
        }
        var settings = IMAPSettings(url: url, username: username)
        settings.provider = provider
        for (key, _, value) in fields {
            switch name(key) {
            case "password": settings.password = try secret(value, key, directory: directory, config: &config)
            case "oauth2Token": settings.oauth2Token = try secret(value, key, directory: directory, config: &config)
            case "oauth2":
                settings.oauth2 = try readOAuth2(value, key, provider: provider, directory: directory, config: &config)
            case "caFile": settings.caFile = try yaml.path(value, key, directory: directory)
            case "folders": settings.folders = try yaml.strings(value, key)
            case "allowInsecure": settings.allowInsecure = try yaml.bool(value, key)
            case "since":
                let since = try yaml.string(value, key)
                guard since.count == 10, since.split(separator: "-").count == 3 else {
                    throw yaml.error(.invalidValue, value, key, "expected a date like 2026-01-31")
                }
                settings.since = since
            case "lastDays": settings.lastDays = Int(try yaml.number(value, key, range: 1...36_500))
            case "fetch":
                switch try yaml.string(value, key) {
                case "parts": settings.fetchWholeMessages = false
                case "whole": settings.fetchWholeMessages = true
                case let other: throw yaml.error(.invalidValue, value, key, "expected parts or whole, got '\(other)'")
                }
            default: break
            }
        }
        let given = [settings.password != nil, settings.oauth2Token != nil, settings.oauth2 != nil].filter { $0 }.count
        if given != 1, !(template && given == 0) {
            let place = field("oauth2") ?? field("oauth2Token") ?? field("password")
            throw yaml.error(
                given == 0 ? .missingKey : .invalidValue, place?.1 ?? node,
                given == 0 ? "\(base).oauth2" : place?.0 ?? base,
                "give one of password, oauth2Token or oauth2 (here or in mailboxDefaults.imap)")
        }
        return settings
    }

    /// `oauth2: {…}`: exactly one grant, its keys complete and consistent with the provider.
    private mutating func readOAuth2(
        _ node: Node, _ base: String, provider: IMAPProvider, directory: String, config: inout TeamConfig
    ) throws(ConfigError) -> OAuth2Settings {
        let keys = [
            "serviceAccountKey", "tenant", "clientId", "clientSecret", "clientCertificate", "clientKey", "refreshToken",
            "tokenURL", "scope",
        ]
        var references: [String: (SecretReference, Node)] = [:]
        var texts: [String: (String, Node)] = [:]
        for (key, _, value) in try yaml.mapping(node, base, allowed: keys) {
            let short = String(key.split(separator: ".").last ?? "")
            switch short {
            case "tenant", "clientId", "tokenURL", "scope":
                let text = try yaml.string(value, key)
                guard !text.isEmpty else { throw yaml.error(.invalidValue, value, key, "must not be empty") }
                texts[short] = (text, value)
            default:
                references[short] = (try secret(value, key, directory: directory, config: &config), value)
            }
        }
        func key(_ short: String) -> String { "\(base).\(short)" }
        if let (url, value) = texts["tokenURL"] {
            guard Self.isSafeEndpoint(url) else {
                throw yaml.error(
                    .invalidValue, value, key("tokenURL"),
                    "expected the full https:// token endpoint URL (http:// only for a loopback host)")
            }
        }
        let clientID = texts["clientId"]?.0
        var flow: OAuth2Settings.Flow
        let grants = ["serviceAccountKey", "refreshToken", "clientSecret", "clientCertificate"].filter {
            references[$0] != nil
        }
        if grants.isEmpty {
            throw yaml.error(
                .missingKey, node, key("serviceAccountKey"),
                "give serviceAccountKey (Google), clientId with clientSecret or clientCertificate (Microsoft 365), "
                    + "or refreshToken with clientId")
        }
        if let (reference, value) = references["serviceAccountKey"] {
            if let other = ["refreshToken", "clientSecret", "clientCertificate", "clientKey"].first(where: {
                references[$0] != nil
            }) ?? (clientID != nil ? "clientId" : nil) {
                throw yaml.error(
                    .invalidValue, references[other]?.1 ?? texts[other]?.1 ?? value, key(other),
                    "serviceAccountKey is a grant of its own: remove \(other)")
            }
            if provider == .microsoft365 {
                throw yaml.error(
                    .invalidValue, value, key("serviceAccountKey"),
                    "Microsoft 365 has no service accounts: use clientId with clientSecret or clientCertificate")
            }
            flow = .serviceAccount(key: reference)
        } else if let (reference, value) = references["refreshToken"] {
            if let other = ["clientCertificate", "clientKey"].first(where: { references[$0] != nil }) {
                throw yaml.error(
                    .invalidValue, value, key(other), "a refresh token grant takes clientSecret, not \(other)")
            }
            guard let clientID else {
                throw yaml.error(.missingKey, node, key("clientId"), "refreshToken needs the clientId it was issued to")
            }
            flow = .refreshToken(reference, clientID: clientID, clientSecret: references["clientSecret"]?.0)
            if texts["tokenURL"] == nil, provider == .generic {
                throw yaml.error(.missingKey, node, key("tokenURL"), "refreshToken on a generic server needs tokenURL")
            }
        } else {
            guard let clientID else {
                throw yaml.error(.missingKey, node, key("clientId"), "app-only access needs the application's clientId")
            }
            if provider == .gmail {
                throw yaml.error(
                    .invalidValue, references["clientSecret"]?.1 ?? node, key("clientSecret"),
                    "Gmail has no app-only access: use serviceAccountKey (domain-wide delegation)")
            }
            switch (references["clientSecret"], references["clientCertificate"], references["clientKey"]) {
            case (let secret?, nil, nil): flow = .clientCredentials(clientID: clientID, proof: .secret(secret.0))
            case (nil, let certificate?, let privateKey?):
                flow = .clientCredentials(clientID: clientID, proof: .certificate(certificate.0, key: privateKey.0))
            case (nil, _?, nil):
                throw yaml.error(
                    .missingKey, node, key("clientKey"), "clientCertificate needs its private key as clientKey")
            default:
                throw yaml.error(
                    .invalidValue, references["clientCertificate"]?.1 ?? node, key("clientCertificate"),
                    "give clientSecret or clientCertificate with clientKey, not both")
            }
            if texts["tokenURL"] == nil, texts["tenant"] == nil {
                throw yaml.error(
                    .missingKey, node, key("tenant"),
                    "app-only access needs the tenant (its id or northwind.onmicrosoft.com), or tokenURL")
            }
        }
        if case .serviceAccount = flow {
        } else if let (tenant, _) = texts["tenant"], texts["tokenURL"] == nil,
            tenant.contains("/") || tenant.contains(" ")
        {
            throw yaml.error(.invalidValue, texts["tenant"]?.1, key("tenant"), "a tenant is an id or a domain name")
        }
        return OAuth2Settings(
            flow: flow, tokenURL: texts["tokenURL"]?.0, tenant: texts["tenant"]?.0, scope: texts["scope"]?.0)
    }
}
