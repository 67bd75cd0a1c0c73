/// The body of Gong's `POST /v2/digital-interaction`, with Gong's exact field names.
///
/// Source: Gong's OpenAPI export of 2024-11-29 (schema `DigitalInteractionRequest`, tag "Digital Interactions") and
/// the help page "Post a Digital Interaction" (updated 2025-11-17): `eventId`, `timestamp`, `eventType`, `content`
/// (with `contentTitle`) and `person` are required; `eventId` is "used for deduplication". Optional fields that are
/// `nil` are left out of the JSON. docs/delivery.md maps every field from the detection record.
public struct DigitalInteractionEvent: Sendable, Hashable, Codable {
    /// The deterministic id of the event; Gong's deduplication key (a re-send gets 409). Required.
    public var eventId: String
    /// When the interaction happened: ISO-8601 with an offset. Required.
    public var timestamp: String
    /// What happened, e.g. "Document Shared". Required.
    public var eventType: String
    /// The name of the system reporting the event (our `reportingSystem`).
    public var sourceSystemName: String?
    /// Ties related events together: every share of one message has the same session.
    public var sessionId: String?
    /// `MOBILE` or `PC`.
    public var device: String?
    /// The content. Required.
    public var content: Content
    /// The person the event is about. Required.
    public var person: Person
    /// Additional data about the event.
    public var customFields: [CustomField]?

    /// Creates an event with the required fields; set the optional ones afterwards.
    public init(eventId: String, timestamp: String, eventType: String, content: Content, person: Person) {
        self.eventId = eventId
        self.timestamp = timestamp
        self.eventType = eventType
        self.content = content
        self.person = person
    }

    /// Gong's `Content`: only `contentTitle` is required.
    public struct Content: Sendable, Hashable, Codable {
        /// The content's id in our system (the canonical content id).
        public var contentId: String?
        /// The title. Required, never empty.
        public var contentTitle: String
        /// Tags of the content.
        public var contentLabel: [String]?
        /// The URL of the content.
        public var contentUrl: String?
        /// A page with more details.
        public var contentAdditionalInfoUrl: String?
        /// Additional data about the content.
        public var contentCustomFields: [CustomField]?

        /// Creates content.
        public init(contentId: String? = nil, contentTitle: String, contentUrl: String? = nil) {
            self.contentId = contentId
            self.contentTitle = contentTitle
            self.contentUrl = contentUrl
        }
    }

    /// Gong's `Person`: every field optional, but a person needs something to be known by (see the validator).
    public struct Person: Sendable, Hashable, Codable {
        /// The person's name.
        public var name: String?
        /// The person's email address ("used for business context association").
        public var email: String?
        /// The person's phone number.
        public var phoneNumber: String?
        /// The person's id in our system; mandatory for an anonymous person.
        public var personId: String?
        /// The person in the CRM (`CONTACT` or `LEAD`).
        public var personBusinessContext: BusinessContext?
        /// The person's company.
        public var company: Company?
        /// Additional data about the person.
        public var personCustomFields: [CustomField]?

        /// Creates a person.
        public init(name: String? = nil, email: String? = nil, company: Company? = nil) {
            self.name = name
            self.email = email
            self.company = company
        }
    }

    /// Gong's `Company`: one of `domain` or a business context should be present.
    public struct Company: Sendable, Hashable, Codable {
        /// The company's id in our system.
        public var companyId: String?
        /// The company's name.
        public var name: String?
        /// The company's domain, e.g. `acme.com`; associates the person with the company.
        public var domain: String?
        /// The company in the CRM (`ACCOUNT` or `OPPORTUNITY`).
        public var companyBusinessContexts: [BusinessContext]?

        /// Creates a company.
        public init(domain: String? = nil, companyBusinessContexts: [BusinessContext]? = nil) {
            self.domain = domain
            self.companyBusinessContexts = companyBusinessContexts
        }
    }

    /// Gong's `PersonBusinessContext` / `CompanyBusinessContext` (the same shape, different `objectType`s).
    public struct BusinessContext: Sendable, Hashable, Codable {
        /// `CONTACT` or `LEAD` for a person; `ACCOUNT` or `OPPORTUNITY` for a company.
        public var objectType: String
        /// The object's id in the external system.
        public var objectId: String
        /// The external system's name, e.g. `Salesforce`.
        public var systemName: String?

        /// Creates a business context.
        public init(objectType: String, objectId: String, systemName: String? = nil) {
            self.objectType = objectType
            self.objectId = objectId
            self.systemName = systemName
        }
    }

    /// Gong's `CustomField`: `name` and `value` required; `dataType` defaults to `STRING`.
    public struct CustomField: Sendable, Hashable, Codable {
        /// The field's name.
        public var name: String
        /// The value, as a string.
        public var value: String
        /// `STRING`, `NUMBER`, `DATE` (ISO 8601), `URL`, `BOOLEAN` or `DURATION` (seconds).
        public var dataType: String?

        /// Creates a custom field.
        public init(name: String, value: String, dataType: String? = nil) {
            self.name = name
            self.value = value
            self.dataType = dataType
        }
    }
}

extension DigitalInteractionEvent {
    /// The digital interaction carrying what `shared` carries: the one mapping from the engagement API's event.
    ///
    /// `eventId` is kept (so the deduplication key is the same under both APIs); `actionName` becomes `eventType`;
    /// the first recipient is the `person` (the API has one person per event; the others are listed in a custom
    /// field), with their address's domain as the company and `crmContext`'s accounts as its business contexts; the
    /// sharer, subject, `shareId` and `eventProperties` become custom fields, `contentProperties` content custom
    /// fields. The API has no field for `workspaceId` or the message body: they are not sent.
    public init(contentShared event: ContentSharedEvent, sessionId: String? = nil) {
        var content = Content(
            contentId: event.contentId, contentTitle: event.contentTitle, contentUrl: event.contentUrl)
        if let provider = event.eventProperties?.first(where: { $0.name == "provider" })?.value {
            content.contentLabel = [provider]
        }
        content.contentAdditionalInfoUrl = event.shareInfoUrl
        content.contentCustomFields = Self.customFields(event.contentProperties)

        let recipients = event.recipients ?? []
        var person = Person()
        if let first = recipients.first {
            person.name = first.name
            person.email = first.email
            let domain = first.email.flatMap { email in
                email.lastIndex(of: "@").map { String(email[email.index(after: $0)...]) }
            }
            // Only a DNS name is a company domain (not an address literal such as `[192.0.2.1]`).
            var company = Company(
                domain: domain.map { $0.lowercased() }.flatMap { IssueList.domainProblem($0) == nil ? $0 : nil })
            let accounts = (event.crmContext ?? []).flatMap { context in
                (context.objects ?? []).compactMap { object -> BusinessContext? in
                    guard let type = Self.companyObjectType(object.objectType) else { return nil }
                    return BusinessContext(objectType: type, objectId: object.objectId, systemName: context.system)
                }
            }
            if !accounts.isEmpty { company.companyBusinessContexts = accounts }
            if company.domain != nil || company.companyBusinessContexts != nil { person.company = company }
        }

        self.init(
            eventId: event.eventId ?? "", timestamp: event.eventTimestamp,
            eventType: event.actionName ?? "Content Shared", content: content, person: person)
        sourceSystemName = event.reportingSystem
        self.sessionId = sessionId

        var fields: [CustomField] = []
        func add(_ name: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            fields.append(CustomField(name: name, value: value, dataType: "STRING"))
        }
        add("sharerEmail", event.sharer?.email)
        add("sharerName", event.sharer?.name)
        add("sharerGongUserId", event.sharer?.id)
        add("otherRecipients", Self.list(recipients.dropFirst().compactMap(\.email)))
        add("messageSubject", event.sharingMessageSubject)
        add("shareId", event.shareId)
        fields += Self.customFields(event.eventProperties) ?? []
        customFields = fields.isEmpty ? nil : fields
    }

    /// Addresses joined by ", ", cut to fit a custom field's value (`EventLimits.maxPropertyValueLength`) with
    /// "… and N more"; `nil` for none.
    static func list(_ addresses: [String]) -> String? {
        guard !addresses.isEmpty else { return nil }
        let cap = EventLimits.default.maxPropertyValueLength - 32
        var text = ""
        for (index, address) in addresses.enumerated() {
            let piece = (text.isEmpty ? "" : ", ") + address
            if text.count + piece.count > cap { return text + " … and \(addresses.count - index) more" }
            text += piece
        }
        return text
    }

    /// Generic properties as custom fields: `string` → `STRING`, `number` → `NUMBER`, `url` → `URL`,
    /// `date` → `DATE`.
    static func customFields(_ properties: [GenericProperty]?) -> [CustomField]? {
        guard let properties, !properties.isEmpty else { return nil }
        return properties.map { CustomField(name: $0.name, value: $0.value, dataType: $0.dataType.uppercased()) }
    }

    /// The company `objectType` of an engagement `crmContext` object, or `nil` for a type a company cannot have.
    static func companyObjectType(_ engagementType: String) -> String? {
        switch engagementType {
        case "Account": "ACCOUNT"
        case "Opportunity": "OPPORTUNITY"
        default: nil
        }
    }
}
