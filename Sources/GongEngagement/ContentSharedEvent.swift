/// The body of Gong's `PUT /v2/customer-engagement/content/shared`, with Gong's exact field names.
///
/// Optional fields that are `nil` are left out of the JSON. See `../shared/gong-api/content-shared.md`.
public struct ContentSharedEvent: Sendable, Hashable, Codable {
    /// The reporting system's stable id (one per deployment). Required.
    public var reportingSystem: String
    /// When the share happened: ISO-8601 with an offset, no fractions. Required.
    public var eventTimestamp: String
    /// Deterministic id of this event in the reporting system; a re-send gets Gong's 409.
    public var eventId: String?
    /// Canonical content id, e.g. `gdoc:document:<ID>`. Required.
    public var contentId: String
    /// The URL the recipient opens. Required.
    public var contentUrl: String
    /// Human-readable title. Required, never empty.
    public var contentTitle: String
    /// Id of this share action (per message and content).
    public var shareId: String?
    /// A page with more details about the event.
    public var shareInfoUrl: String?
    /// Subject of the sharing email.
    public var sharingMessageSubject: String?
    /// Body of the sharing email (HTML, quoted history trimmed, capped).
    public var sharingMessageBody: String?
    /// The action's name, e.g. "Document Shared".
    public var actionName: String?
    /// The person who shared.
    public var sharer: Sharer?
    /// The external recipients.
    public var recipients: [Actor]?
    /// References into the CRM.
    public var crmContext: [CallUploadContext]?
    /// Properties of the content.
    public var contentProperties: [GenericProperty]?
    /// Properties of the event.
    public var eventProperties: [GenericProperty]?
    /// The Gong workspace to place the event in.
    public var workspaceId: String?

    /// Creates an event with the required fields; set the optional ones afterwards.
    public init(
        reportingSystem: String, eventTimestamp: String, contentId: String, contentUrl: String, contentTitle: String
    ) {
        self.reportingSystem = reportingSystem
        self.eventTimestamp = eventTimestamp
        self.contentId = contentId
        self.contentUrl = contentUrl
        self.contentTitle = contentTitle
    }
}

/// Gong's `Sharer`: all fields optional.
public struct Sharer: Sendable, Hashable, Codable {
    /// Gong user id.
    public var id: String?
    /// Email address.
    public var email: String?
    /// Name.
    public var name: String?

    /// Creates a sharer.
    public init(id: String? = nil, email: String? = nil, name: String? = nil) {
        self.id = id
        self.email = email
        self.name = name
    }
}

/// Gong's `Actor` (a recipient): email is required for recipients by Gong's description.
public struct Actor: Sendable, Hashable, Codable {
    /// Email address.
    public var email: String?
    /// Name.
    public var name: String?
    /// Job title.
    public var title: String?
    /// Links from this person into external systems.
    public var context: [PartyUploadContext]?

    /// Creates an actor.
    public init(email: String?, name: String? = nil, title: String? = nil, context: [PartyUploadContext]? = nil) {
        self.email = email
        self.name = name
        self.title = title
        self.context = context
    }
}

/// Gong's `PartyUploadContext`.
public struct PartyUploadContext: Sendable, Hashable, Codable {
    /// External system: `Salesforce`, `HubSpot`, `MicrosoftDynamic`, `Generic`.
    public var system: String
    /// Objects of that system.
    public var objects: [ExternalObject]?

    /// Creates a context.
    public init(system: String, objects: [ExternalObject]? = nil) {
        self.system = system
        self.objects = objects
    }
}

/// Gong's `CallUploadContext` (the items of `crmContext`).
public struct CallUploadContext: Sendable, Hashable, Codable {
    /// External system: `Salesforce`, `HubSpot`, `MicrosoftDynamic`, `Generic`.
    public var system: String
    /// Objects of that system.
    public var objects: [ExternalObject]?

    /// Creates a context.
    public init(system: String, objects: [ExternalObject]? = nil) {
        self.system = system
        self.objects = objects
    }
}

/// Gong's `ExternalCrmCallObject` / `ExternalCrmPartyObject` (same shape).
public struct ExternalObject: Sendable, Hashable, Codable {
    /// `Account`, `Opportunity` (crmContext) or `Contact`, `Lead` (people).
    public var objectType: String
    /// The object's id.
    public var objectId: String

    /// Creates an object reference.
    public init(objectType: String, objectId: String) {
        self.objectType = objectType
        self.objectId = objectId
    }
}

/// Gong's `Generic Property`: all three fields required; `value` must agree with `dataType`.
public struct GenericProperty: Sendable, Hashable, Codable {
    /// Property name.
    public var name: String
    /// Value, as a string.
    public var value: String
    /// `string`, `number`, `url` or `date`.
    public var dataType: String

    /// Creates a property.
    public init(name: String, value: String, dataType: String = "string") {
        self.name = name
        self.value = value
        self.dataType = dataType
    }
}
