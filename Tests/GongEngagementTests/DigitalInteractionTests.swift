import Foundation
import GongEngagement
import Testing

@Suite("Digital Interactions API: the mapping from content shared, the schema, and validation by field")
struct DigitalInteractionTests {
    static func valid() -> DigitalInteractionEvent {
        DigitalInteractionEvent(contentShared: SampleEvents.full(), sessionId: "sd1m-session")
    }

    @Test("the mapping keeps the eventId and carries the share's context in Gong's fields")
    func mapping() throws {
        let shared = SampleEvents.full()
        let event = Self.valid()
        #expect(event.eventId == shared.eventId)
        #expect(event.timestamp == shared.eventTimestamp)
        #expect(event.eventType == "Document Shared")
        #expect(event.sourceSystemName == "share-detector-acme")
        #expect(event.sessionId == "sd1m-session")
        #expect(event.content.contentId == "gdoc:document:1AbC")
        #expect(event.content.contentTitle == "Features & Spec V.1")
        #expect(event.content.contentUrl == "https://docs.google.com/document/d/1AbC/edit")
        #expect(event.content.contentAdditionalInfoUrl == "https://example.com/path/to/a/page")
        #expect(event.content.contentCustomFields?.map(\.dataType) == ["STRING", "URL"])
        #expect(event.person.email == "jane@prospect.example")
        #expect(event.person.name == "Jane Prospect")
        #expect(event.person.company?.domain == "prospect.example")
        #expect(
            event.person.company?.companyBusinessContexts == [
                .init(objectType: "ACCOUNT", objectId: "0013601230sV7grAAC", systemName: "Salesforce")
            ])
        let fields = Dictionary(uniqueKeysWithValues: (event.customFields ?? []).map { ($0.name, $0) })
        #expect(fields["sharerEmail"]?.value == "ae@acme.example.com")
        #expect(fields["sharerName"]?.value == "Ann Exec")
        #expect(fields["sharerGongUserId"]?.value == "234599484848423")
        #expect(fields["otherRecipients"]?.value == "bob@prospect.example")
        #expect(fields["messageSubject"]?.value == "Proposal")
        #expect(fields["shareId"]?.value == "sh-0123456789abcdef")
        #expect(fields["Pages"]?.dataType == "NUMBER")
        #expect(fields["Sent"]?.dataType == "DATE")
        #expect(EventValidator.validate(event) == [])
    }

    @Test("the JSON has Gong's field names, leaves out what is unset, and has no engagement-only field")
    func json() throws {
        var event = DigitalInteractionEvent(
            eventId: "e1", timestamp: "2026-01-02T03:04:05Z", eventType: "Document Shared",
            content: .init(contentTitle: "Deck"), person: .init(email: "jane@prospect.example"))
        event.customFields = [.init(name: "mailbox", value: "ae@acme.example", dataType: "STRING")]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(GongEvent.digitalInteraction(event)), as: UTF8.self)
        #expect(
            text == #"{"content":{"contentTitle":"Deck"},"customFields":[{"dataType":"STRING","name":"mailbox","#
                + #""value":"ae@acme.example"}],"eventId":"e1","eventType":"Document Shared","#
                + #""person":{"email":"jane@prospect.example"},"timestamp":"2026-01-02T03:04:05Z"}"#)
        let mapped = String(decoding: try encoder.encode(Self.valid()), as: UTF8.self)
        for engagementOnly in ["workspaceId", "sharingMessageBody", "reportingSystem", "recipients", "crmContext"] {
            #expect(!mapped.contains("\"\(engagementOnly)\""))
        }
    }

    @Test(
        "the endpoints: content shared is PUT on the engagement path, digital interaction POST /v2/digital-interaction")
    func endpoints() {
        #expect(GongAPI.contentShared.method == "PUT")
        #expect(GongAPI.contentShared.path == "/v2/customer-engagement/content/shared")
        #expect(GongAPI.digitalInteraction.method == "POST")
        #expect(GongAPI.digitalInteraction.path == "/v2/digital-interaction")
        #expect(GongAPI.digitalInteraction.scope == "api:digital-interactions:write")
        #expect(GongAPI(rawValue: "digital-interaction") == .digitalInteraction)
    }

    struct Broken: Sendable, CustomTestStringConvertible {
        let name: String
        let paths: [String]
        let mutate: @Sendable (inout DigitalInteractionEvent) -> Void
        var testDescription: String { name }
    }

    static let broken: [Broken] = [
        Broken(name: "blank eventId", paths: ["eventId"]) { $0.eventId = " " },
        Broken(name: "timestamp without offset", paths: ["timestamp"]) { $0.timestamp = "2026-01-02T03:04:05" },
        Broken(name: "empty eventType", paths: ["eventType"]) { $0.eventType = "" },
        Broken(name: "unknown device", paths: ["device"]) { $0.device = "TABLET" },
        Broken(name: "blank title", paths: ["content.contentTitle"]) { $0.content.contentTitle = "" },
        Broken(name: "relative content URL", paths: ["content.contentUrl"]) { $0.content.contentUrl = "/doc/1" },
        Broken(name: "empty label", paths: ["content.contentLabel[0]"]) { $0.content.contentLabel = [""] },
        Broken(name: "nobody", paths: ["person"]) { $0.person = .init() },
        Broken(name: "bad email", paths: ["person.email"]) { $0.person.email = "jane at prospect" },
        Broken(name: "bad domain", paths: ["person.company.domain"]) { $0.person.company?.domain = "prospect" },
        Broken(name: "company context type", paths: ["person.company.companyBusinessContexts[0].objectType"]) {
            $0.person.company?.companyBusinessContexts = [.init(objectType: "Account", objectId: "1")]
        },
        Broken(name: "person context", paths: ["person.personBusinessContext.objectType"]) {
            $0.person.personBusinessContext = .init(objectType: "ACCOUNT", objectId: "1")
        },
        Broken(name: "custom field type", paths: ["customFields[0].dataType"]) {
            $0.customFields = [.init(name: "a", value: "b", dataType: "string")]
        },
        Broken(name: "custom NUMBER", paths: ["customFields[0].value"]) {
            $0.customFields = [.init(name: "a", value: "twelve", dataType: "NUMBER")]
        },
        Broken(name: "custom BOOLEAN", paths: ["customFields[0].value"]) {
            $0.customFields = [.init(name: "a", value: "yes", dataType: "BOOLEAN")]
        },
        Broken(name: "custom DURATION", paths: ["customFields[0].value"]) {
            $0.customFields = [.init(name: "a", value: "-3", dataType: "DURATION")]
        },
        Broken(name: "custom DATE", paths: ["content.contentCustomFields[0].value"]) {
            $0.content.contentCustomFields = [.init(name: "a", value: "yesterday", dataType: "DATE")]
        },
        Broken(name: "custom field without name", paths: ["person.personCustomFields[0].name"]) {
            $0.person.personCustomFields = [.init(name: "", value: "b")]
        },
        Broken(name: "blank custom value", paths: ["customFields[0].value"]) {
            $0.customFields = [.init(name: "a", value: "")]
        },
    ]

    @Test("every broken field is reported at its JSON path", arguments: broken)
    func brokenField(_ item: Broken) {
        var event = Self.valid()
        item.mutate(&event)
        let issues = GongEvent.digitalInteraction(event).validate()
        #expect(issues.map(\.path) == item.paths, "\(issues)")
    }

    @Test("an anonymous person known only by the company's domain is valid")
    func anonymousWithCompany() {
        var event = Self.valid()
        event.person = .init(company: .init(domain: "prospect.example"))
        #expect(EventValidator.validate(event) == [])
    }

    @Test("a content-shared event without recipients maps to a person Gong cannot place: validation says so")
    func noRecipients() {
        var shared = SampleEvents.full()
        shared.recipients = nil
        let issues = EventValidator.validate(DigitalInteractionEvent(contentShared: shared))
        #expect(issues.map(\.path) == ["person"])
    }

    @Test("an address literal is not a company domain; a long recipient list is cut to fit its field")
    func hostileRecipients() {
        var shared = SampleEvents.full()
        shared.recipients = [Actor(email: "x@[192.0.2.1]")] + (0..<600).map { Actor(email: "r\($0)@prospect.example") }
        let event = DigitalInteractionEvent(contentShared: shared)
        #expect(event.person.email == "x@[192.0.2.1]")
        #expect(event.person.company?.domain == nil)
        let others = event.customFields?.first { $0.name == "otherRecipients" }?.value ?? ""
        #expect(others.hasPrefix("r0@prospect.example, r1@prospect.example"))
        #expect(others.hasSuffix("more"))
        #expect(others.count <= EventLimits.default.maxPropertyValueLength)
        #expect(EventValidator.validate(event).filter { $0.path.hasPrefix("customFields") } == [])
    }

    @Test("a blank name does not make a person known")
    func blankName() {
        var event = Self.valid()
        event.person = .init(name: "  ")
        #expect(EventValidator.validate(event).map(\.path) == ["person"])
    }
}
