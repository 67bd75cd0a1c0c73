import Foundation
import Logging

/// How a run's diagnostics are written on standard error.
public enum LogFormat: String, Sendable, CaseIterable {
    /// One readable line per message (the default): `share-detector: …`.
    case text
    /// One JSON object per line: `time`, `level`, `message`, and the metadata (`mailbox`, `file`, `message`,
    /// `eventId`, …) as fields.
    case json
}

/// The logging a sink applies: its format and the lowest level it writes.
public struct LogSettings: Sendable {
    /// Text or JSON.
    public var format: LogFormat
    /// Messages below this level are dropped.
    public var level: Logger.Level

    /// Creates settings.
    public init(format: LogFormat = .text, level: Logger.Level = .info) {
        self.format = format
        self.level = level
    }

    /// Settings from the command line's `--log-format` and `--log-level` words; `nil` for an unknown word.
    public static func parse(format: String, level: String) -> LogSettings? {
        guard let format = LogFormat(rawValue: format.lowercased()),
            let level = Logger.Level(rawValue: level.lowercased())
        else { return nil }
        return LogSettings(format: format, level: level)
    }

    /// The words `--log-level` takes.
    public static let levelNames = Logger.Level.allCases.map(\.rawValue)
}

/// A swift-log handler that writes each record at once to a file descriptor, as text or as one JSON object a line.
///
/// Used by ``OutputSink`` for standard error, so every diagnostic goes through swift-log with its metadata without
/// a process-wide bootstrap. Messages are already free of secrets (errors are scrubbed where they are made); the
/// metadata carry ids only.
struct RunLogHandler: LogHandler {
    let format: LogFormat
    let write: @Sendable ([UInt8]) -> Void
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        switch format {
        case .text:
            write(Array("\(event.message)\n".utf8))
        case .json:
            var object: [String: Any] = [
                "time": Self.timestamp(), "level": event.level.rawValue,
                "message": Self.strippingPrefix("\(event.message)"),
            ]
            for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
                object[key] = Self.json(value)
            }
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data()
            write(Array(data) + [0x0A])
        }
    }

    /// The text lines start with the program's name; a JSON record does not need it.
    static func strippingPrefix(_ text: String) -> String {
        text.hasPrefix("share-detector: ") ? String(text.dropFirst("share-detector: ".count)) : text
    }

    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let entries): entries.mapValues(json)
        }
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
