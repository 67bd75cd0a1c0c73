import ArgumentParser
import Foundation
import MailFetching
import ShareDetection
import ShareDetectorKit

/// `share-detector test`: runs the rules on sample mail, or runs the rule fixtures.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract:
            "Run the rules on sample mail and print the events that would be posted; with no INPUT, run the rule fixtures.",
        discussion: """
            Nothing is sent and nothing is recorded. INPUT is an mbox file, an .eml file or a folder of them.

            With no INPUT the rule fixtures run: every NAME.eml under the fixture folders with its expected events \
            in NAME.expected.yml. Fixture folders are those given with --fixtures, else the 'tests' folder of each \
            rules path, else ./rules/tests. Each fixture prints PASS or FAIL; any failure exits with status 1.

            --explain traces every link: part and byte offset, region (new text, quoted, forwarded, signature, \
            boilerplate), unwrap chain, matched rule or why none, and the fields the share produced. --stats prints \
            per-rule hit counts and skipped-link reasons, to find dead and noisy rules.

            --compare-rules OLD runs the INPUT twice: with OLD (a rules file or folder: the team's previous rules) in \
            place of the config's rules and --rules, then with the current ones, and prints the shares the change \
            adds, removes and changes (content id, title, action, URL), per rule; with --json one object per change \
            and a summary. To review a change of the built-in rules, use a config with builtInRules: false and \
            compare --rules NEW_DIR with --compare-rules OLD_DIR.
            """
    )

    @Option(name: .long, help: "A team config file (internal domains, rules, Gong settings).")
    var config: String?

    @Option(name: .long, help: "Extra rule files or folders, on top of the built-in rules (repeatable).")
    var rules: [String] = []

    @Option(name: .long, help: "Fixture folders to run when no INPUT is given (repeatable).")
    var fixtures: [String] = []

    @Flag(name: .long, help: "Print one JSON object per event per line: the Gong request body plus a 'source' object.")
    var json = false

    @Flag(name: .long, help: "Trace every link and decision.")
    var explain = false

    @Flag(name: .long, help: "Print per-rule hit counts and skipped-link reasons over the inputs.")
    var stats = false

    @Option(
        name: .long,
        help: "Rules file or folder with the old rules: print what the current rules add, remove and change.")
    var compareRules: String?

    @Argument(help: "mbox files, .eml files or folders. None: run the rule fixtures.")
    var inputs: [String] = []

    func validate() throws {
        if [json, explain, stats].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --json, --explain and --stats")
        }
        if compareRules != nil, explain || stats || inputs.isEmpty {
            throw ValidationError("--compare-rules needs INPUT and works with --json, not --explain or --stats")
        }
    }

    func run() throws {
        let teamConfig = try loadConfig(config)
        let ruleSet: RuleSet
        do { ruleSet = try DetectionPipeline.loadRules(config: teamConfig, extraPaths: rules) } catch {
            fail(error.description)
        }
        if inputs.isEmpty {
            try runFixtures(config: teamConfig, rules: ruleSet)
            return
        }
        let sources: [any MessageSource]
        do { sources = try MailInputs.open(inputs) } catch { fail(error.description) }
        if let compareRules {
            try compare(oldRules: compareRules, config: teamConfig, newRules: ruleSet, sources: sources)
            return
        }
        let mode: RuleTestRunner.Mode = json ? .json : explain ? .explain : stats ? .stats : .events
        let output = OutputSink()
        let diagnostics = OutputSink(descriptor: STDERR_FILENO)
        let summary = RuleTestRunner(pipeline: DetectionPipeline(config: teamConfig, rules: ruleSet), mode: mode)
            .run(sources: sources, output: output, diagnostics: diagnostics)
        output.flush()
        diagnostics.line(
            "test: \(summary.messages) messages read, \(summary.skipped) skipped, \(summary.events) events")
        diagnostics.flush()
        if summary.skipped > 0 { throw ExitCode(1) }
    }

    private func compare(oldRules: String, config: TeamConfig, newRules: RuleSet, sources: [any MessageSource]) throws {
        var oldConfig = config
        oldConfig.rulePaths = []
        let oldSet: RuleSet
        do { oldSet = try DetectionPipeline.loadRules(config: oldConfig, extraPaths: [oldRules]) } catch {
            fail(error.description)
        }
        let output = OutputSink()
        let diagnostics = OutputSink(descriptor: STDERR_FILENO)
        let summary = RuleComparison(
            old: DetectionPipeline(config: config, rules: oldSet),
            new: DetectionPipeline(config: config, rules: newRules)
        ).run(sources: sources, json: json, output: output, diagnostics: diagnostics)
        output.flush()
        diagnostics.flush()
        if summary.skipped > 0 || summary.invalid > 0 { throw ExitCode(1) }
    }

    private func runFixtures(config: TeamConfig, rules ruleSet: RuleSet) throws {
        var folders = fixtures
        if folders.isEmpty {
            for path in config.rulePaths + rules {
                let tests = (path as NSString).appendingPathComponent("tests")
                if FileManager.default.fileExists(atPath: tests) { folders.append(tests) }
            }
        }
        if folders.isEmpty, FileManager.default.fileExists(atPath: "rules/tests") { folders = ["rules/tests"] }
        guard !folders.isEmpty else {
            fail("no INPUT and no fixture folder found: give --fixtures DIR, or --rules PATH with a 'tests' folder")
        }
        let runner = FixtureRunner(config: config, rules: ruleSet)
        var passed = 0
        var failed = 0
        for folder in folders {
            guard FileManager.default.fileExists(atPath: folder) else { fail("\(folder): no such fixture folder") }
            for fixture in FixtureRunner.fixtures(in: folder) {
                let result = runner.run(fixture: fixture)
                if result.passed {
                    passed += 1
                    print("PASS  \(fixture)")
                } else {
                    failed += 1
                    print("FAIL  \(fixture)")
                    for failure in result.failures { print("      \(failure)") }
                }
            }
        }
        print("fixtures: \(passed) passed, \(failed) failed")
        if failed > 0 || passed == 0 { throw ExitCode(1) }
    }
}

/// Loads `--config` or the built-in default; exits 2 with the file, line and key on error.
func loadConfig(_ path: String?) throws -> TeamConfig {
    guard let path else { return TeamConfig() }
    do { return try TeamConfigLoader.load(path: path) } catch { fail(error.description) }
}

/// Prints `share-detector: message` on standard error and exits with status 2 (usage, input, config or rule error).
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("share-detector: \(message)\n".utf8))
    Foundation.exit(2)
}
