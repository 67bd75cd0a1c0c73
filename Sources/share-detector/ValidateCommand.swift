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
            """
    )

    @Option(name: .long, help: "The team config file.")
    var config: String

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
        print(
            "\(config): team \(teamConfig.team), \(teamConfig.mailboxes.count) mailbox(es), "
                + "\(rules.providerRules.count) provider rules, \(rules.wrapperRules.count) wrapper rules: OK")
    }
}
