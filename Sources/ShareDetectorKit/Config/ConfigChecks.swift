import Foundation

/// Checks of a loaded config against the file system: every problem, each with file, line and key.
///
/// These are not load errors because `test`, `send` and `status` work without mailboxes; `validate` reports them
/// all (exit 2) and `scan` refuses to run without mailboxes (exit 2) and names each missing mailbox path.
public enum ConfigChecks {
    /// Every problem: no mailboxes, an mbox or eml path that does not exist, a `caFile` that does not exist.
    public static func problems(_ config: TeamConfig) -> [ConfigError] {
        var found: [ConfigError] = []
        if let missing = missingMailboxes(config) { found.append(missing) }
        found += missingMailboxPaths(config)
        if let caFile = config.gong.caFile, let problem = missingFile(caFile, key: "gong.caFile", config: config) {
            found.append(problem)
        }
        return found
    }

    /// The error for a config with no mailboxes, if so.
    public static func missingMailboxes(_ config: TeamConfig) -> ConfigError? {
        guard config.mailboxes.isEmpty, config.mailboxSources.isEmpty else { return nil }
        return ConfigError(
            code: .missingKey, file: config.file, line: config.keyLines["mailboxes"] ?? 1, key: "mailboxes",
            message: "no mailboxes to scan: add at least one with mbox, eml or imap, or mailboxSources")
    }

    /// The mailbox paths (mbox files, eml folders, IMAP `caFile`s) that do not exist.
    public static func missingMailboxPaths(_ config: TeamConfig) -> [ConfigError] {
        var found: [ConfigError] = []
        for (index, mailbox) in config.mailboxes.enumerated() {
            let base = "mailboxes[\(index)]"
            let problem: ConfigError?
            switch mailbox.source {
            case .mbox(let path): problem = missingFile(path, key: "\(base).mbox", config: config)
            case .emlFolder(let path): problem = missingFile(path, key: "\(base).eml", config: config)
            case .imap(let settings):
                problem = nil
                found += missingIMAPFiles(settings, base: "\(base).imap", config: config)
            }
            if let problem { found.append(problem) }
        }
        if let defaults = config.imapDefaults {
            found += missingIMAPFiles(defaults, base: "mailboxDefaults.imap", config: config)
        }
        return found
    }

    /// The `caFile` and `file:` key, certificate and token files an IMAP block names itself (inherited ones are
    /// checked once, under `mailboxDefaults.imap`).
    static func missingIMAPFiles(_ settings: IMAPSettings, base: String, config: TeamConfig) -> [ConfigError] {
        var files: [(String, String?)] = [("caFile", settings.caFile)]
        func file(_ reference: SecretReference?) -> String? {
            if case .file(let path)? = reference { return path }
            return nil
        }
        switch settings.oauth2?.flow {
        case .serviceAccount(let key)?: files.append(("oauth2.serviceAccountKey", file(key)))
        case .clientCredentials(_, .certificate(let certificate, let key))?:
            files += [("oauth2.clientCertificate", file(certificate)), ("oauth2.clientKey", file(key))]
        case .clientCredentials(_, .secret(let secret))?: files.append(("oauth2.clientSecret", file(secret)))
        case .refreshToken(let token, _, let secret)?:
            files += [("oauth2.refreshToken", file(token)), ("oauth2.clientSecret", file(secret))]
        case nil: break
        }
        return files.compactMap { name, path in
            let key = "\(base).\(name)"
            guard let path,
                config.keyLines[key] != nil || (name.hasPrefix("oauth2.") && config.keyLines["\(base).oauth2"] != nil)
            else { return nil }
            return missingFile(path, key: key, config: config)
        }
    }

    /// Before a scan: no mailboxes is a config error (exit 2), and so is a `gong.caFile` that does not exist; each
    /// missing mailbox path is named on `diagnostics` (that mailbox then fails, the others are scanned).
    public static func requireScannable(_ config: TeamConfig, diagnostics: OutputSink) throws(RunFailure) {
        if let missing = missingMailboxes(config) { throw RunFailure(exitCode: 2, message: missing.description) }
        if let caFile = config.gong.caFile, let problem = missingFile(caFile, key: "gong.caFile", config: config) {
            throw RunFailure(exitCode: 2, message: problem.description)
        }
        for problem in missingMailboxPaths(config) { diagnostics.line("share-detector: \(problem)") }
    }

    static func missingFile(_ path: String, key: String, config: TeamConfig) -> ConfigError? {
        guard !FileManager.default.fileExists(atPath: path) else { return nil }
        return ConfigError(
            code: .missingFile, file: config.file, line: config.keyLines[key] ?? 0, key: key,
            message: "no such file or folder: \(path)")
    }
}
