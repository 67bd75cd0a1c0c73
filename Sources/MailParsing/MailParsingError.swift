/// Why a message could not be read at all.
public struct MailParsingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable {
        /// The input holds no bytes.
        case emptyMessage = "empty-message"
        /// The parser found no message in the bytes (no headers, binary junk).
        case notAMessage = "not-a-message"
        /// The message is larger than the configured cap.
        case tooLarge = "too-large"
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation; never contains message content.
    public var detail: String

    /// Creates an error.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`.
    public var description: String { "\(code.rawValue): \(detail)" }
}
