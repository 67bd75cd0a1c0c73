import ArgumentParser

/// The `share-detector` command: finds documents shared by email and reports them to Gong.
@main
struct ShareDetectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share-detector",
        abstract: "Find the documents sales reps share by email and report them to Gong as content-shared events.",
        discussion: """
            Exit status: 0 all went well; 1 the run finished but something needs attention (skipped messages, \
            dead events); 2 usage, input, config or rule error; 3 a server could not be reached or refused the login.
            """,
        subcommands: [
            ScanCommand.self, SendCommand.self, StatusCommand.self, TestCommand.self, InspectCommand.self,
            ValidateCommand.self, SandboxCommand.self,
        ]
    )
}
