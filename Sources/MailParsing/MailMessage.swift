/// A parsed email message: the fields the tool needs, decoded, with the parser's defects.
///
/// Text and HTML parts are kept as UTF-8 bytes; attachments are only described, their bytes are not kept.
public struct MailMessage: Sendable, Equatable {
    /// `Message-ID` without angle brackets, or `nil` when absent.
    public var messageID: String?
    /// The `Date:` header as an instant with its original offset, or `nil` when absent or unreadable.
    public var date: MailDate?
    /// `From:` mailboxes (groups flattened).
    public var from: [MailAddress] = []
    /// `Sender:` mailboxes.
    public var sender: [MailAddress] = []
    /// `Reply-To:` mailboxes.
    public var replyTo: [MailAddress] = []
    /// `To:` mailboxes.
    public var to: [MailAddress] = []
    /// `Cc:` mailboxes.
    public var cc: [MailAddress] = []
    /// `Bcc:` mailboxes.
    public var bcc: [MailAddress] = []
    /// The decoded `Subject:`, or `nil` when absent.
    public var subject: String?
    /// Message ids named by `In-Reply-To:`, without angle brackets.
    public var inReplyTo: [String] = []
    /// Message ids named by `References:`, without angle brackets, oldest first.
    public var references: [String] = []
    /// Text and HTML body parts decoded to UTF-8, in MIME order.
    public var bodyParts: [BodyPart] = []
    /// Attachments, described without their bytes.
    public var attachments: [AttachmentInfo] = []
    /// What the parser found wrong with the message.
    public var defects: [ParseDefect] = []
    /// Size of the raw message in bytes.
    public var rawSize: Int = 0

    /// Creates an empty message; the parser fills it in.
    public init() {}

    /// The text/plain parts.
    public var textParts: [BodyPart] { bodyParts.filter { $0.kind == .plain } }
    /// The text/html parts.
    public var htmlParts: [BodyPart] { bodyParts.filter { $0.kind == .html } }
    /// Every recipient: To, Cc and Bcc.
    public var recipients: [MailAddress] { to + cc + bcc }
}

/// A decoded text or HTML part of a message.
public struct BodyPart: Sendable, Equatable {
    /// Whether the part is plain text or HTML.
    public enum Kind: String, Sendable, Codable {
        /// `text/plain` (and other non-HTML text types).
        case plain
        /// `text/html`.
        case html
    }

    /// Plain or HTML.
    public var kind: Kind
    /// The part's MIME path, `1.2` style (`1` is the top-level body).
    public var path: String
    /// The declared charset, lowercased, or `nil`.
    public var charset: String?
    /// The decoded content as UTF-8 bytes.
    public var utf8: [UInt8]
    /// True when the part sits inside an attached `message/rfc822` (a forward as attachment).
    public var isInAttachedMessage: Bool

    /// Creates a body part.
    public init(kind: Kind, path: String, charset: String?, utf8: [UInt8], isInAttachedMessage: Bool) {
        self.kind = kind
        self.path = path
        self.charset = charset
        self.utf8 = utf8
        self.isInAttachedMessage = isInAttachedMessage
    }
}

/// An attachment's description: name, type and decoded size, never its bytes.
public struct AttachmentInfo: Sendable, Hashable, Codable {
    /// The file name from `Content-Disposition` or `Content-Type`, decoded, or `nil`.
    public var fileName: String?
    /// The MIME type, lowercased, e.g. `application/pdf`.
    public var contentType: String
    /// Size after transfer decoding, in bytes.
    public var size: Int64
    /// The part's MIME path.
    public var path: String

    /// Creates an attachment description.
    public init(fileName: String?, contentType: String, size: Int64, path: String) {
        self.fileName = fileName
        self.contentType = contentType
        self.size = size
        self.path = path
    }
}
