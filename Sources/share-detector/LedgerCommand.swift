import ArgumentParser
import Foundation
import ShareDetectorKit

/// `share-detector ledger`: the ledger's schema and moving a SQLite ledger into a shared PostgreSQL one.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Create or upgrade a ledger's schema; move a team's SQLite ledger into a shared PostgreSQL one.",
        subcommands: [LedgerMigrateCommand.self, LedgerImportCommand.self]
    )
}

/// `share-detector ledger migrate`.
struct LedgerMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the schema of the config's ledger (SQLite file or PostgreSQL database).",
        discussion: """
            A scan does this too; run it once when deploying a new version to several machines. Scanners refuse a \
            schema newer than theirs. Exit status: 0 done; 2 config or database error.
            """
    )

    @Option(name: .long, help: "The team config file.")
    var config: String

    func run() throws {
        let teamConfig = try loadConfig(config)
        do { print(try LedgerAdministration.migrate(config: teamConfig)) } catch {
            fail(error.message)
        }
    }
}

/// `share-detector ledger import`.
struct LedgerImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Move a team's SQLite ledger into the config's PostgreSQL ledger, without re-sending anything.",
        discussion: """
            Events (with their delivery states, attempts and requeue log) and checkpoints go in one transaction, \
            under the config's team; delivered events stay delivered. Events already in the database are left as \
            they are, so running it twice changes nothing. Stop the team's scheduled runs first (the SQLite \
            ledger's run lock is taken). Exit status: 0 done; 1 nothing imported (the reason on stderr); 2 config \
            or database error.
            """
    )

    @Option(name: .long, help: "The team config file (its state: is the PostgreSQL URL).")
    var config: String

    @Option(name: .long, help: "The SQLite ledger to import, e.g. state/emea.sqlite.")
    var from: String

    func run() throws {
        let teamConfig = try loadConfig(config)
        do { print(try LedgerAdministration.importSQLite(config: teamConfig, from: from)) } catch {
            FileHandle.standardError.write(Data("share-detector: \(error.message)\n".utf8))
            throw ExitCode(error.exitCode)
        }
    }
}
