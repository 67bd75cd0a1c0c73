import GongEngagement
import MailFetching
import MailParsing
import ShareDetection

/// Turns the shares detected in a message into Gong `ContentSharedEvent`s, per the product's field mapping.
public struct EventBuilder: Sendable {
    /// The team's settings.
    public var config: TeamConfig

    /// Creates a builder.
    public init(config: TeamConfig) {
        self.config = config
    }

    /// A stable key for a message: its Message-ID, or a fingerprint of what identifies it when it has none.
    public static func messageKey(_ message: MailMessage) -> String {
        if let id = message.messageID, !id.isEmpty { return "mid:" + id }
        var parts: [String] = []
        parts.append(message.from.map { $0.address.lowercased() }.joined(separator: ","))
        parts.append(message.date.map { String($0.unixTime) } ?? "")
        parts.append(message.subject ?? "")
        parts.append(message.recipients.map { $0.address.lowercased() }.joined(separator: ","))
        var bytes = Array(parts.joined(separator: "\n").utf8)
        if let body = message.bodyParts.first { bytes += body.utf8.prefix(65_536) }
        return "fp:" + SHA256.hex(bytes)
    }

    /// The deterministic `eventId` of (message, content).
    public static func eventID(messageKey: String, contentId: String) -> String {
        "sd1e-" + SHA256.hex("event\u{0}\(messageKey)\u{0}\(contentId)").prefix(40)
    }

    /// The deterministic `shareId` of (message, content).
    public static func shareID(messageKey: String, contentId: String) -> String {
        "sd1s-" + SHA256.hex("share\u{0}\(messageKey)\u{0}\(contentId)").prefix(40)
    }

    /// The events of one message: one per detected share.
    ///
    /// - Returns: no events when the message has no usable date (neither `Date:` nor an envelope date).
    public func events(for detection: DetectionResult, message: MailMessage, raw: RawMessage) -> [ContentSharedEvent] {
        guard !detection.shares.isEmpty, let date = message.date ?? raw.envelopeDate else { return [] }
        let key = Self.messageKey(message)
        let body =
            config.gong.includeMessageBody ? SharingMessageBody.make(message, maxBytes: config.gong.maxBodyBytes) : nil
        let recipients = detection.externalRecipients.map { Actor(email: $0.address, name: $0.name) }
        let crm = crmContext(detection.externalRecipients)
        return detection.shares.map { share in
            var event = ContentSharedEvent(
                reportingSystem: config.gong.reportingSystem, eventTimestamp: date.iso8601,
                contentId: share.content.contentId, contentUrl: share.content.contentUrl, contentTitle: share.title)
            event.eventId = Self.eventID(messageKey: key, contentId: share.content.contentId)
            event.shareId = Self.shareID(messageKey: key, contentId: share.content.contentId)
            event.actionName = share.content.actionName
            event.sharingMessageSubject = message.subject
            event.sharingMessageBody = body
            if let sharer = detection.sharer {
                event.sharer = Sharer(
                    id: config.sharers[sharer.address.lowercased()], email: sharer.address, name: sharer.name)
            }
            event.recipients = recipients
            event.crmContext = crm
            event.contentProperties = share.content.contentProperties.sorted { $0.key < $1.key }.map {
                GenericProperty(name: $0.key, value: $0.value, dataType: "string")
            }
            event.workspaceId = config.gong.workspaceId
            return event
        }
    }

    private func crmContext(_ recipients: [MailAddress]) -> [CallUploadContext]? {
        guard !config.crmAccounts.isEmpty else { return nil }
        var ids: [String] = []
        for recipient in recipients {
            if let id = config.crmAccounts[recipient.domain], !ids.contains(id) { ids.append(id) }
        }
        guard let first = ids.first else { return nil }
        // Gong supports one account per event: the first external recipient's.
        return [
            CallUploadContext(system: "Salesforce", objects: [ExternalObject(objectType: "Account", objectId: first)])
        ]
    }
}
