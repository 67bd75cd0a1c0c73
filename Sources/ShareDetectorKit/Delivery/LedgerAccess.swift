import Foundation
import ShareLedger

/// The one place a team config's `state` becomes a ledger: a SQLite file (the embedded default) or the shared
/// PostgreSQL database; and the Gong account's shared state that goes with it.
package enum LedgerAccess {
    /// How a command uses the ledger.
    package enum Mode: Sendable {
        /// Create it when missing (and bring its schema up to date): `scan`, `ledger migrate`.
        case create
        /// It must exist already (`send`, `requeue`): a missing SQLite file is "run scan first".
        case existing
        /// Read only, nothing created or migrated (`scan --dry-run`, `status`): `nil` when there is no ledger yet.
        case readOnly
    }

    /// Opens the config's ledger; errors are `RunFailure`s naming the file or URL (never a password).
    package static func open(_ config: TeamConfig, mode: Mode) throws(RunFailure) -> (any LedgerStore)? {
        if let url = config.stateURL {
            let password: String?
            do {
                password = try config.statePassword.map { reference throws(SecretError) in try config.resolve(reference)
                }
            } catch { throw RunFailure(exitCode: 2, message: "\(config.file): statePassword: \(error)") }
            do {
                return try PostgresLedger(
                    url: url, password: password, team: config.team, migrate: mode != .readOnly,
                    holderLifetime: config.leaseSeconds)
            } catch let error as LedgerError where error.code == .noLedger && mode == .readOnly {
                return nil
            } catch let error as LedgerError where error.code == .unreadable {
                // The database server could not be reached or refused the login: exit 3, as for Gong or IMAP.
                throw RunFailure(exitCode: 3, message: "cannot open the ledger: \(error)")
            } catch {
                throw RunFailure(exitCode: 2, message: "cannot open the ledger: \(error)")
            }
        }
        let path = config.statePath
        switch mode {
        case .readOnly:
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            do { return try ShareLedger(readingOnly: path) } catch {
                throw RunFailure(exitCode: 2, message: "cannot read the ledger: \(error)")
            }
        case .existing where !FileManager.default.fileExists(atPath: path):
            throw RunFailure(exitCode: 1, message: "no ledger at \(path) yet: run scan first")
        case .create, .existing:
            do { return try ShareLedger(path: path) } catch {
                throw RunFailure(exitCode: 2, message: "cannot open the ledger: \(error)")
            }
        }
    }

    /// The shared state of the Gong account `key`: in the PostgreSQL ledger when the config's ledger is one (every
    /// machine shares it; `ledger`, when open already, is used), else in the per-user SQLite file (every run on this
    /// machine shares it).
    package static func account(
        _ config: TeamConfig, key: String, ledger: (any LedgerStore)? = nil
    ) throws(RunFailure) -> any GongAccountPace {
        if let shared = ledger as? PostgresLedger { return shared.accountState(accountKey: key) }
        if config.stateURL != nil, let shared = try open(config, mode: .create) as? PostgresLedger {
            return shared.accountState(accountKey: key)
        }
        let path = GongAccountState.defaultPath()
        do { return try GongAccountState(path: path, accountKey: key) } catch {
            throw RunFailure(exitCode: 1, message: "cannot open the Gong account state: \(error)")
        }
    }
}
