import Foundation

/// Checks of a loaded config that are worth a warning but not an error.
public enum ConfigWarnings {
    /// Warnings for `config`: literal secrets in a file readable by group or others; settings the configured Gong
    /// API has no field for.
    public static func check(_ config: TeamConfig) -> [String] {
        var warnings: [String] = []
        if config.gong.api == .digitalInteraction, config.gong.workspaceId != nil {
            warnings.append(
                "\(config.file): gong.workspaceId is not sent: Gong's digital-interaction API has no workspace field")
        }
        for (index, source) in config.mailboxSources.enumerated() {
            if case .gongUsers(_, let domains) = source, domains.isEmpty {
                warnings.append(
                    "\(config.file): mailboxSources[\(index)].gongUsers has no emailDomains: the mailbox of every "
                        + "(active) Gong user is read, not only the reps'")
            }
        }
        if config.stateURL != nil, config.keyLines["team"] == nil {
            warnings.append(
                "\(config.file): no team: on a shared PostgreSQL ledger this config's rows are team 'default', "
                    + "shared with every other config without a team: name it (team: emea)")
        }
        return warnings + literalSecretWarnings(config)
    }

    private static func literalSecretWarnings(_ config: TeamConfig) -> [String] {
        guard !config.literalSecretKeys.isEmpty, !config.file.isEmpty else { return [] }
        let attributes = try? FileManager.default.attributesOfItem(atPath: config.file)
        let mode = (attributes?[.posixPermissions] as? NSNumber)?.intValue ?? 0
        guard mode & 0o044 != 0 else { return [] }
        return config.literalSecretKeys.map { key in
            "\(config.file): \(key) holds a literal secret and the file is readable by others "
                + "(mode \(String(mode, radix: 8))); use env:, file: or command:, or chmod 600"
        }
    }
}
