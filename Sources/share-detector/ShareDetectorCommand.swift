import ArgumentParser
import Foundation
import ShareDetectorKit

/// The `share-detector` command: finds documents shared by email and reports them to Gong.
@main
struct ShareDetectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share-detector",
        abstract:
            "Find the documents sales reps share by email and report them to Gong (content shared or digital interactions).",
        discussion: """
            Exit status: 0 all went well; 1 the run finished but something needs attention (skipped messages, \
            dead letters, a long 429 pause, the daily budget spent, an event waiting longer than \
            gong.alertAfterHours); 2 usage, input, config or rule error; 3 a server could not be reached, kept \
            failing or refused the login; 130/143 interrupted by SIGINT/SIGTERM.
            """,
        version: ShareDetectorVersion.current,
        subcommands: [
            ScanCommand.self, SendCommand.self, StatusCommand.self, RequeueCommand.self, TestCommand.self,
            InspectCommand.self, ValidateCommand.self, SandboxCommand.self, LedgerCommand.self,
        ]
    )

    /// Parses and runs the command; a usage error exits with 2 (the documented status), not ArgumentParser's 64.
    static func main() {
        let command: any ParsableCommand
        do { command = try parseAsRoot() } catch { exitNormalizingUsage(error) }
        do {
            var running = command
            try running.run()
        } catch {
            exitNormalizingUsage(error)
        }
        Foundation.exit(0)
    }

    private static func exitNormalizingUsage(_ error: any Error) -> Never {
        if exitCode(for: error) == .validationFailure {
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
        exit(withError: error)
    }
}
