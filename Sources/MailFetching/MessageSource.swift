import MailParsing

/// Where a message came from: enough to find it again and to resume after it.
public struct MessagePosition: Sendable, Hashable, Codable {
    /// The file (mbox or `.eml`) as given or found, or the mailbox name for server sources.
    public var file: String
    /// Zero-based index of the message in its file (always 0 for `.eml`).
    public var index: Int
    /// Byte offset of the message in its file (of the `From ` line in an mbox; 0 for `.eml`).
    public var byteOffset: UInt64

    /// Creates a position.
    public init(file: String, index: Int, byteOffset: UInt64) {
        self.file = file
        self.index = index
        self.byteOffset = byteOffset
    }
}

/// One message's raw bytes and where they came from.
public struct RawMessage: Sendable {
    /// The message exactly as stored (mbox quoting undone).
    public var bytes: [UInt8]
    /// Where it came from.
    public var position: MessagePosition
    /// The envelope date (mbox `From ` line, IMAP INTERNALDATE), used when the `Date:` header is missing.
    public var envelopeDate: MailDate?
    /// Offset in the file just past this message: the resume point once it is handled.
    public var resumeOffset: UInt64

    /// Creates a raw message.
    public init(bytes: [UInt8], position: MessagePosition, envelopeDate: MailDate?, resumeOffset: UInt64) {
        self.bytes = bytes
        self.position = position
        self.envelopeDate = envelopeDate
        self.resumeOffset = resumeOffset
    }
}

/// What a source yields: a message, or a message that could not be read (with why).
public enum SourceItem: Sendable {
    /// A message to parse.
    case message(RawMessage)
    /// A message that was skipped; the scan goes on.
    case unreadable(MessagePosition, reason: String)
}

/// A stream of raw messages: an mbox file, `.eml` files, or (later) an IMAP folder.
public protocol MessageSource {
    /// A short, secret-free name for reports (a file path or mailbox name).
    var name: String { get }
    /// The next item, or `nil` when the source is exhausted.
    mutating func next() -> SourceItem?
}
