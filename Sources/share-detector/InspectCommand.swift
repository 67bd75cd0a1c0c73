import ArgumentParser
import Foundation
import MailFetching
import ShareDetectorKit

/// `share-detector inspect`: shows how the tool reads each message.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show how each message is read: headers, decoded addresses, date, parts, attachments, defects.",
        discussion: """
            INPUT is an mbox file, a single .eml file, or a folder searched recursively for *.eml and *.mbox files. \
            A file that starts with "From " is read as an mbox. Messages that cannot be read are reported on \
            standard error with their file, index and byte offset; the run goes on and exits with status 1.
            """
    )

    @Flag(name: .long, help: "Print one JSON object per message per line.")
    var json = false

    @Option(name: .long, help: "How '>From ' lines in mbox bodies are unquoted: mboxrd, mboxo or raw.")
    var mboxVariant: MboxVariantArgument = .mboxrd

    @Argument(help: "mbox files, .eml files or folders.")
    var inputs: [String]

    func run() throws {
        let sources: [any MessageSource]
        do {
            sources = try MailInputs.open(inputs, variant: mboxVariant.variant)
        } catch {
            FileHandle.standardError.write(Data("share-detector: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        let output = OutputSink()
        let diagnostics = OutputSink(descriptor: STDERR_FILENO)
        let summary = InspectRunner(format: json ? .json : .text).run(
            sources: sources, output: output, diagnostics: diagnostics)
        output.flush()
        diagnostics.line("inspect: \(summary.read) messages read, \(summary.skipped) skipped")
        diagnostics.flush()
        if summary.skipped > 0 { throw ExitCode(1) }
    }
}
