import Foundation
import MailFetching
import MailParsing

/// Runs `inspect`: reads every message of the inputs and reports how the tool sees it.
public struct InspectRunner {
    /// Output format.
    public enum Format: Sendable {
        /// One JSON object per line.
        case json
        /// A readable block per message.
        case text
    }

    /// Counts for the closing summary and the exit status.
    public struct Summary: Sendable, Equatable {
        /// Messages read.
        public var read = 0
        /// Messages that could not be read.
        public var skipped = 0
    }

    /// The format.
    public var format: Format
    /// The parser.
    public var parser: MailParser

    /// Creates a runner.
    public init(format: Format, parser: MailParser = MailParser()) {
        self.format = format
        self.parser = parser
    }

    /// Reads every message of `sources`, writing one report per message to `output` and one line per skipped
    /// message to `diagnostics`.
    public func run(sources: [any MessageSource], output: OutputSink, diagnostics: OutputSink) -> Summary {
        var summary = Summary()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        for var source in sources {
            while let item = source.next() {
                switch item {
                case .message(let raw):
                    do {
                        let message = try parser.parse(raw.bytes)
                        let record = InspectRecord(message: message, raw: raw)
                        summary.read += 1
                        switch format {
                        case .json: output.line(bytes: (try? encoder.encode(record)) ?? Data())
                        case .text: output.line(InspectTextView.render(record))
                        }
                    } catch {
                        summary.skipped += 1
                        report(raw.position, reason: error.description, output: output, diagnostics: diagnostics)
                    }
                case .unreadable(let position, let reason):
                    summary.skipped += 1
                    report(position, reason: reason, output: output, diagnostics: diagnostics)
                }
            }
        }
        return summary
    }

    private func report(_ position: MessagePosition, reason: String, output: OutputSink, diagnostics: OutputSink) {
        diagnostics.line(
            "skipped: \(position.file) message \(position.index) at byte \(position.byteOffset): \(reason)")
        if format == .json {
            let skipped = SkippedRecord(source: position, skipped: reason)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            output.line(bytes: (try? encoder.encode(skipped)) ?? Data())
        }
    }

    /// The JSON line for a message that could not be read.
    struct SkippedRecord: Codable {
        var source: MessagePosition
        var skipped: String
    }
}
