import MailFetching
import MailParsing

/// What `inspect` reports for one message: the fields as the tool reads them.
public struct InspectRecord: Sendable, Codable {
    /// Where the message came from.
    public var source: MessagePosition
    /// `Message-ID` without brackets.
    public var messageId: String?
    /// The date used for the message.
    public var date: DateField?
    /// `From:`.
    public var from: [MailAddress]
    /// `Sender:`.
    public var sender: [MailAddress]
    /// `Reply-To:`.
    public var replyTo: [MailAddress]
    /// `To:`.
    public var to: [MailAddress]
    /// `Cc:`.
    public var cc: [MailAddress]
    /// `Bcc:`.
    public var bcc: [MailAddress]
    /// Decoded `Subject:`.
    public var subject: String?
    /// `In-Reply-To:` ids.
    public var inReplyTo: [String]
    /// `References:` ids.
    public var references: [String]
    /// Text and HTML parts.
    public var parts: [PartField]
    /// Attachments.
    public var attachments: [AttachmentInfo]
    /// Parser defects.
    public var defects: [ParseDefect]
    /// Raw size in bytes.
    public var size: Int

    /// A date with where it came from.
    public struct DateField: Sendable, Codable {
        /// ISO-8601 with the original offset.
        public var iso8601: String
        /// Seconds since the epoch.
        public var unixTime: Int64
        /// Original offset in seconds.
        public var utcOffsetSeconds: Int
        /// `header` (the `Date:` line) or `envelope` (mbox `From ` line / IMAP INTERNALDATE).
        public var origin: String
    }

    /// A body part, described.
    public struct PartField: Sendable, Codable {
        /// MIME path.
        public var path: String
        /// `text/plain` or `text/html`.
        public var type: String
        /// Declared charset.
        public var charset: String?
        /// Decoded UTF-8 size in bytes.
        public var bytes: Int
        /// True inside an attached message.
        public var inAttachedMessage: Bool
    }

    /// Builds the record for a parsed message.
    public init(message: MailMessage, raw: RawMessage) {
        source = raw.position
        messageId = message.messageID
        if let headerDate = message.date {
            date = DateField(
                iso8601: headerDate.iso8601, unixTime: headerDate.unixTime,
                utcOffsetSeconds: headerDate.utcOffsetSeconds, origin: "header")
        } else if let envelope = raw.envelopeDate {
            date = DateField(
                iso8601: envelope.iso8601, unixTime: envelope.unixTime, utcOffsetSeconds: envelope.utcOffsetSeconds,
                origin: "envelope")
        }
        from = message.from
        sender = message.sender
        replyTo = message.replyTo
        to = message.to
        cc = message.cc
        bcc = message.bcc
        subject = message.subject
        inReplyTo = message.inReplyTo
        references = message.references
        parts = message.bodyParts.map {
            PartField(
                path: $0.path, type: $0.kind == .html ? "text/html" : "text/plain", charset: $0.charset,
                bytes: $0.utf8.count, inAttachedMessage: $0.isInAttachedMessage)
        }
        attachments = message.attachments
        defects = message.defects
        size = message.rawSize
    }
}
