/// A problem noticed while reading a message (by the MIME parser) or scanning it for links (a bound the detector
/// reached); the message is still usable.
public struct ParseDefect: Sendable, Hashable, Codable {
    /// A stable, machine-readable name such as `invalid-content-type`.
    public var code: String
    /// Byte offset inside the message where the parser noticed it, when known.
    public var offset: Int64?
    /// The offending item (a header name, a parameter), truncated; never a message body.
    public var item: String?

    /// Creates a defect.
    public init(code: String, offset: Int64? = nil, item: String? = nil) {
        self.code = code
        self.offset = offset
        self.item = item
    }
}
