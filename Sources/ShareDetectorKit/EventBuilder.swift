import GongEngagement
import MailFetching
import MailParsing
import ShareDetection

/// Turns the shares detected in a message into Gong events, per the product's field mapping: a
/// `ContentSharedEvent`, and for `gong.api: digital-interaction` the `DigitalInteractionEvent` mapped from it.
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

    /// The deterministic `sessionId` of a message: every share of one message has the same (digital interactions).
    public static func sessionID(messageKey: String) -> String {
        "sd1m-" + SHA256.hex("session\u{0}\(messageKey)").prefix(40)
    }

    /// The deterministic `shareId` of (message, content).
    public static func shareID(messageKey: String, contentId: String) -> String {
        "sd1s-" + SHA256.hex("share\u{0}\(messageKey)\u{0}\(contentId)").prefix(40)
    }

    /// The events of one message: one per detected share.
    ///
    /// - Returns: no events when the message has no usable date (neither `Date:` nor an envelope date).
    public func events(for detection: DetectionResult, message: MailMessage, raw: RawMessage) -> [ContentSharedEvent] {
        records(for: detection, message: message, raw: raw).map { event(from: $0) }
    }

    /// The context a Gong user wants on the timeline, as `eventProperties` (all `string`, one `number`): the
    /// mailbox, the Message-ID, the rule and provider, where the link was (new text or a forward) and, when the
    /// link was wrapped, the wrappers peeled off. Never an address beyond the mailbox's name, never a wrapped URL
    /// (wrappers encode recipients and tokens).
    static func eventProperties(_ record: DetectionRecord) -> [GenericProperty] {
        var properties: [GenericProperty] = []
        func add(_ name: String, _ value: String?, _ type: String = "string") {
            guard let value, !value.isEmpty else { return }
            properties.append(GenericProperty(name: name, value: value, dataType: type))
        }
        add("mailbox", record.mailbox)
        add("messageId", record.messageKey.hasPrefix("mid:") ? String(record.messageKey.dropFirst(4)) : nil)
        add("ruleId", record.content.ruleId)
        add("provider", record.content.provider)
        add("linkSource", record.linkRegion.map { $0 == LinkRegion.forwarded.rawValue ? "forward" : "new text" })
        if let chain = record.unwrapChain, !chain.isEmpty {
            add("unwrapChain", chain.joined(separator: " > "))
            add("unwrapSteps", String(chain.count), "number")
        }
        add("detectedBy", "share-detector")
        return properties
    }

    /// The detection records of one message: one per detected share (what the ledger keeps beside each event).
    public func records(
        for detection: DetectionResult, message: MailMessage, raw: RawMessage, mailbox: String? = nil
    ) -> [DetectionRecord] {
        guard !detection.shares.isEmpty, let date = message.date ?? raw.envelopeDate else { return [] }
        let key = Self.messageKey(message)
        let body =
            config.gong.includeMessageBody ? SharingMessageBody.make(message, maxBytes: config.gong.maxBodyBytes) : nil
        let recipients = detection.externalRecipients.map { DetectionRecord.Person(email: $0.address, name: $0.name) }
        let sharer = detection.sharer.map { DetectionRecord.Person(email: $0.address, name: $0.name) }
        return detection.shares.map { share in
            DetectionRecord(
                messageKey: key, eventTimestamp: date.iso8601, subject: message.subject, messageBody: body,
                sharer: sharer, recipients: recipients, link: share.link.url, title: share.title,
                content: DetectionRecord.Content(share.content), mailbox: mailbox,
                linkRegion: share.link.region.rawValue, unwrapChain: share.unwrapChain.map(\.wrapper))
        }
    }

    /// The Gong event of a detection record under this builder's config: the one mapping every event goes through
    /// (scan, `test`, and `requeue`'s rebuild). `content` replaces the recorded rule verdict (a rebuild passes what
    /// the current rules make of the link); the `eventId` and `shareId` always come from the recorded `contentId`.
    public func event(from record: DetectionRecord, content: DetectionRecord.Content? = nil) -> ContentSharedEvent {
        let match = content ?? record.content
        var event = ContentSharedEvent(
            reportingSystem: config.gong.reportingSystem, eventTimestamp: record.eventTimestamp,
            contentId: match.contentId, contentUrl: match.contentUrl, contentTitle: record.title)
        event.eventId = Self.eventID(messageKey: record.messageKey, contentId: record.content.contentId)
        event.shareId = Self.shareID(messageKey: record.messageKey, contentId: record.content.contentId)
        event.actionName = match.actionName
        event.sharingMessageSubject = record.subject
        event.sharingMessageBody = config.gong.includeMessageBody ? record.messageBody : nil
        if let sharer = record.sharer {
            event.sharer = Sharer(
                id: config.sharers[sharer.email.lowercased()], email: sharer.email,
                name: sharer.name ?? config.sharerNames[sharer.email.lowercased()])
        }
        event.recipients = record.recipients.map { Actor(email: $0.email, name: $0.name) }
        event.crmContext = crmContext(record.recipients.map { MailAddress(name: $0.name, address: $0.email) })
        event.contentProperties = match.contentProperties.sorted { $0.key < $1.key }.map {
            GenericProperty(name: $0.key, value: $0.value, dataType: "string")
        }
        event.eventProperties = Self.eventProperties(record)
        event.workspaceId = config.gong.workspaceId
        return event
    }

    /// The Gong request body of a detection record for `api` (default: the config's `gong.api`): the
    /// content-shared event of ``event(from:content:)``, or the digital interaction mapped from it with the
    /// message's session and the person's own CRM account. Both carry the same `eventId`.
    public func gongEvent(
        from record: DetectionRecord, content: DetectionRecord.Content? = nil, api: GongAPI? = nil
    ) -> GongEvent {
        let shared = event(from: record, content: content)
        switch api ?? config.gong.api {
        case .contentShared: return .contentShared(shared)
        case .digitalInteraction:
            return .digitalInteraction(digitalInteraction(from: shared, messageKey: record.messageKey))
        }
    }

    /// The digital interaction of a content-shared event of the message `messageKey`: the message's session, and
    /// the person's company with the `crmAccounts` account of the person's own domain (the engagement event names
    /// the first external recipient's account that is listed, who may not be the person).
    func digitalInteraction(from shared: ContentSharedEvent, messageKey: String?) -> DigitalInteractionEvent {
        var interaction = DigitalInteractionEvent(
            contentShared: shared, sessionId: messageKey.map { Self.sessionID(messageKey: $0) })
        if let email = interaction.person.email, var company = interaction.person.company {
            let domain = email.lastIndex(of: "@").map { String(email[email.index(after: $0)...]) } ?? ""
            company.companyBusinessContexts = Self.crmAccount(for: domain, in: config.crmAccounts).map {
                [DigitalInteractionEvent.BusinessContext(objectType: "ACCOUNT", objectId: $0, systemName: "Salesforce")]
            }
            interaction.person.company = company.domain == nil && company.companyBusinessContexts == nil ? nil : company
        }
        return interaction
    }

    /// The account of `domain`: the listed domain itself, else the nearest listed parent domain
    /// (`eu.contoso.example` → `contoso.example`). Matching is by whole labels, never by a bare suffix
    /// (`notcontoso.example` is not `contoso.example`), and a top-level label alone is never a match.
    static func crmAccount(for domain: String, in accounts: [String: String]) -> String? {
        var labels = domain.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        while labels.count >= 2 {
            if let id = accounts[labels.joined(separator: ".")] { return id }
            labels.removeFirst()
        }
        return nil
    }

    private func crmContext(_ recipients: [MailAddress]) -> [CallUploadContext]? {
        guard !config.crmAccounts.isEmpty else { return nil }
        var ids: [String] = []
        for recipient in recipients {
            if let id = Self.crmAccount(for: recipient.domain, in: config.crmAccounts), !ids.contains(id) {
                ids.append(id)
            }
        }
        guard let first = ids.first else { return nil }
        // Gong supports one account per event: the first external recipient's.
        return [
            CallUploadContext(system: "Salesforce", objects: [ExternalObject(objectType: "Account", objectId: first)])
        ]
    }
}
