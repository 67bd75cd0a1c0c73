import ArgumentParser
import Foundation
import ShareDetection
import ShareDetectorKit

/// `share-detector validate`: checks a config and its rules without touching the network.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a team config and its rules without touching the network.",
        discussion: """
            Reports problems with their file, line and key and exits with status 2: the first syntax or value error, \
            then every missing mailbox (none at all, an mbox or eml path that does not exist) and missing caFile. On \
            success prints a summary. Warns when a secret is written literally in a file that others can read.

            --resolve also lists every mailbox the config expands to (its own mailboxes, then one per person of \
            mailboxSources: a CSV file of reps, or Gong's users list, which it reads from Gong), with the server, \
            user name, folders and kind of login of each; never a secret. It exits 2 on a bad CSV file and 3 when \
            Gong refuses the credentials or cannot be reached.
            """
    )

    @Option(name: .long, help: "The team config file.")
    var config: String

    @Flag(
        name: .long,
        help: "List the mailboxes the config expands to (reads mailboxSources: CSV files, Gong's users list).")
    var resolve = false

    func run() throws {
        let teamConfig = try loadConfig(config)
        let problems = ConfigChecks.problems(teamConfig)
        for problem in problems { FileHandle.standardError.write(Data("share-detector: \(problem)\n".utf8)) }
        let rules: RuleSet
        do { rules = try DetectionPipeline.loadRules(config: teamConfig, extraPaths: []) } catch {
            fail(error.description)
        }
        if !problems.isEmpty { throw ExitCode(2) }
        for warning in ConfigWarnings.check(teamConfig) {
            FileHandle.standardError.write(Data("share-detector: warning: \(warning)\n".utf8))
        }
        var checked = teamConfig
        if resolve {
            do { checked = try MailboxDirectory.resolve(teamConfig) } catch {
                FileHandle.standardError.write(Data("share-detector: \(error.message)\n".utf8))
                throw ExitCode(error.exitCode)
            }
            for line in MailboxDirectory.listing(checked) { print(line) }
        }
        let sources = checked.mailboxSources.isEmpty || resolve ? "" : " + \(checked.mailboxSources.count) source(s)"
        print(
            "\(config): team \(checked.team), \(checked.mailboxes.count) mailbox(es)\(sources), "
                + "\(rules.providerRules.count) provider rules, \(rules.wrapperRules.count) wrapper rules: OK")
    }
}
