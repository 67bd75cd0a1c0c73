import GongEngagement
import Testing

/// Events used by the validator and schema tests.
enum SampleEvents {
    /// An event with every field we model set to a valid value.
    static func full() -> ContentSharedEvent {
        var event = ContentSharedEvent(
            reportingSystem: "share-detector-acme",
            eventTimestamp: "2021-02-17T02:30:00-08:00",
            contentId: "gdoc:document:1AbC",
            contentUrl: "https://docs.google.com/document/d/1AbC/edit",
            contentTitle: "Features & Spec V.1"
        )
        event.eventId = "ev-0123456789abcdef"
        event.shareId = "sh-0123456789abcdef"
        event.shareInfoUrl = "https://example.com/path/to/a/page"
        event.sharingMessageSubject = "Proposal"
        event.sharingMessageBody = "<b>Hi</b>"
        event.actionName = "Document Shared"
        event.sharer = Sharer(id: "234599484848423", email: "ae@acme.example.com", name: "Ann Exec")
        event.recipients = [
            Actor(
                email: "jane@prospect.example", name: "Jane Prospect", title: "CFO",
                context: [
                    PartyUploadContext(
                        system: "Salesforce",
                        objects: [ExternalObject(objectType: "Contact", objectId: "0033601230sV7grAAC")]
                    )
                ]),
            Actor(email: "bob@prospect.example", name: "Bob"),
        ]
        event.crmContext = [
            CallUploadContext(
                system: "Salesforce", objects: [ExternalObject(objectType: "Account", objectId: "0013601230sV7grAAC")])
        ]
        event.contentProperties = [
            GenericProperty(name: "Provider", value: "Google Docs", dataType: "string"),
            GenericProperty(name: "Link", value: "https://example.com/example?q=v", dataType: "url"),
        ]
        event.eventProperties = [
            GenericProperty(name: "Pages", value: "12", dataType: "number"),
            GenericProperty(name: "Sent", value: "2021-08-01T08:00:00Z", dataType: "date"),
        ]
        event.workspaceId = "623457276584334"
        return event
    }
}

/// One broken event and the exact issue paths the validator must report for it.
struct BrokenCase: Sendable, CustomTestStringConvertible {
    let name: String
    let mutate: @Sendable (inout ContentSharedEvent) -> Void
    let paths: [String]

    var testDescription: String { name }

    init(_ name: String, _ paths: [String], _ mutate: @escaping @Sendable (inout ContentSharedEvent) -> Void) {
        self.name = name
        self.paths = paths
        self.mutate = mutate
    }
}

let brokenCases: [BrokenCase] = [
    BrokenCase(
        "all required empty",
        ["reportingSystem", "eventTimestamp", "contentId", "contentUrl", "contentTitle"]
    ) {
        $0.reportingSystem = ""
        $0.eventTimestamp = ""
        $0.contentId = ""
        $0.contentUrl = ""
        $0.contentTitle = ""
    },
    BrokenCase("blank title", ["contentTitle"]) { $0.contentTitle = "  \n" },
    BrokenCase("timestamp without offset", ["eventTimestamp"]) { $0.eventTimestamp = "2021-02-17T02:30:00" },
    BrokenCase("timestamp with fractions", ["eventTimestamp"]) { $0.eventTimestamp = "2021-02-17T02:30:00.123Z" },
    BrokenCase("timestamp date only", ["eventTimestamp"]) { $0.eventTimestamp = "2021-02-17" },
    BrokenCase("timestamp RFC 2822", ["eventTimestamp"]) { $0.eventTimestamp = "Wed, 17 Feb 2021 02:30:00 -0800" },
    BrokenCase("timestamp compact offset", ["eventTimestamp"]) { $0.eventTimestamp = "2021-02-17T02:30:00-0800" },
    BrokenCase("timestamp February 30", ["eventTimestamp"]) { $0.eventTimestamp = "2021-02-30T02:30:00Z" },
    BrokenCase("timestamp hour 24", ["eventTimestamp"]) { $0.eventTimestamp = "2021-02-17T24:00:00Z" },
    BrokenCase("timestamp lowercase t", ["eventTimestamp"]) { $0.eventTimestamp = "2021-02-17t02:30:00Z" },
    BrokenCase("ftp content URL", ["contentUrl"]) { $0.contentUrl = "ftp://example.com/file" },
    BrokenCase("relative content URL", ["contentUrl"]) { $0.contentUrl = "/document/d/1AbC" },
    BrokenCase("content URL without host", ["contentUrl"]) { $0.contentUrl = "https:///path" },
    BrokenCase("content URL with space", ["contentUrl"]) { $0.contentUrl = "https://example.com/a b" },
    BrokenCase("content URL bad port", ["contentUrl"]) { $0.contentUrl = "https://example.com:80x/a" },
    BrokenCase("mailto share info URL", ["shareInfoUrl"]) { $0.shareInfoUrl = "mailto:a@b.com" },
    BrokenCase("empty optional ids", ["eventId", "shareId", "workspaceId"]) {
        $0.eventId = ""
        $0.shareId = " "
        $0.workspaceId = ""
    },
    BrokenCase("recipient without email", ["recipients[1].email"]) { $0.recipients![1].email = nil },
    BrokenCase("recipient with display name", ["recipients[0].email"]) {
        $0.recipients![0].email = "Jane <jane@prospect.example>"
    },
    BrokenCase("recipient emails broken", ["recipients[0].email", "recipients[1].email"]) {
        $0.recipients![0].email = "jane@"
        $0.recipients![1].email = "bob.prospect.example"
    },
    BrokenCase("recipient email double dot and no tld", ["recipients[0].email", "recipients[1].email"]) {
        $0.recipients![0].email = "jane..doe@prospect.example"
        $0.recipients![1].email = "bob@localhost"
    },
    BrokenCase("sharer email", ["sharer.email"]) { $0.sharer?.email = "ae at acme" },
    BrokenCase("unknown dataType", ["contentProperties[0].dataType"]) { $0.contentProperties![0].dataType = "text" },
    BrokenCase("collapsed dataType", ["contentProperties[0].dataType"]) {
        $0.contentProperties![0].dataType = "number, string, url, date"
    },
    BrokenCase("number not a number", ["eventProperties[0].value"]) { $0.eventProperties![0].value = "12 pages" },
    BrokenCase("number with leading zero", ["eventProperties[0].value"]) { $0.eventProperties![0].value = "012" },
    BrokenCase("url value not a URL", ["contentProperties[1].value"]) {
        $0.contentProperties![1].value = "example.com"
    },
    BrokenCase("date value with fractions", ["eventProperties[1].value"]) {
        $0.eventProperties![1].value = "2021-08-01T08:00:00.5Z"
    },
    BrokenCase("property without name", ["eventProperties[0].name"]) { $0.eventProperties![0].name = "" },
    BrokenCase("crm system and object", ["crmContext[0].system", "crmContext[0].objects[0].objectType"]) {
        $0.crmContext![0].system = "salesforce"
        $0.crmContext![0].objects![0].objectType = "Opportunity,Account"
    },
    BrokenCase("crm object id empty", ["crmContext[0].objects[0].objectId"]) {
        $0.crmContext![0].objects![0].objectId = ""
    },
    BrokenCase(
        "recipient context", ["recipients[0].context[0].system", "recipients[0].context[0].objects[0].objectType"]
    ) {
        $0.recipients![0].context![0].system = "Pipedrive"
        $0.recipients![0].context![0].objects![0].objectType = "Lead,Contact"
    },
    BrokenCase("title too long", ["contentTitle"]) { $0.contentTitle = String(repeating: "é", count: 1_001) },
    BrokenCase("subject too long", ["sharingMessageSubject"]) {
        $0.sharingMessageSubject = String(repeating: "s", count: 2_001)
    },
    BrokenCase("body too big", ["sharingMessageBody"]) {
        $0.sharingMessageBody = String(repeating: "b", count: 1_000_001)
    },
    BrokenCase("URL too long", ["contentUrl"]) {
        $0.contentUrl = "https://example.com/" + String(repeating: "a", count: 8_192)
    },
    BrokenCase("too many recipients", ["recipients"]) {
        $0.recipients = Array(repeating: Actor(email: "x@example.com"), count: 1_001)
    },
    BrokenCase("too many properties", ["eventProperties"]) {
        $0.eventProperties = Array(repeating: GenericProperty(name: "n", value: "v"), count: 101)
    },
    BrokenCase(
        "many problems at once",
        ["eventTimestamp", "contentUrl", "recipients[1].email", "crmContext[0].system", "eventProperties[0].value"]
    ) {
        $0.eventTimestamp = "yesterday"
        $0.contentUrl = "docs.google.com/document/d/1AbC"
        $0.recipients![1].email = ""
        $0.crmContext![0].system = ""
        $0.eventProperties![0].value = "twelve"
    },
]

@Suite("EventValidator")
struct ValidatorTests {
    @Test("a fully populated event is valid")
    func fullEventIsValid() {
        #expect(EventValidator.validate(SampleEvents.full()) == [])
    }

    @Test("a minimal event with only the required fields is valid")
    func minimalEventIsValid() {
        let event = ContentSharedEvent(
            reportingSystem: "r", eventTimestamp: "2021-08-01T08:00:00Z", contentId: "c",
            contentUrl: "http://example.com", contentTitle: "t")
        #expect(EventValidator.validate(event) == [])
    }

    @Test("broken events report exactly the expected paths", arguments: brokenCases)
    func brokenEvent(_ testCase: BrokenCase) {
        var event = SampleEvents.full()
        testCase.mutate(&event)
        let issues = EventValidator.validate(event)
        #expect(issues.map(\.path) == testCase.paths, "\(issues)")
        #expect(issues.allSatisfy { !$0.message.isEmpty })
    }

    @Test("limits are configurable")
    func customLimits() {
        var event = SampleEvents.full()
        event.contentTitle = "0123456789A"
        let limits = EventLimits(maxTitleLength: 10, maxRecipients: 1)
        #expect(EventValidator.validate(event, limits: limits).map(\.path) == ["contentTitle", "recipients"])
    }

    @Test("messages name the problem and quote only a short prefix of the value")
    func messages() {
        var event = SampleEvents.full()
        event.eventTimestamp = "2021-02-17T02:30:00.123Z"
        event.contentUrl = "ftp://" + String(repeating: "x", count: 500)
        let issues = EventValidator.validate(event)
        #expect(issues[0].description.hasPrefix("eventTimestamp: must not have fractional seconds"))
        #expect(issues[1].message.count < 200)
    }

    @Test(
        "valid timestamps",
        arguments: [
            "2021-02-17T02:30:00-08:00", "2021-08-01T02:30:00+05:00", "2021-08-01T08:00:00Z",
            "2024-02-29T23:59:59+14:00", "2000-02-29T00:00:00-00:00",
        ])
    func validTimestamps(_ text: String) {
        #expect(EventValidator.isGongTimestamp(text))
    }

    @Test(
        "invalid timestamps",
        arguments: [
            "", "2021-02-17T02:30:00", "2021-02-17T02:30:00.0Z", "2021-02-17 02:30:00Z", "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "2021-02-17T02:30:60Z", "2021-02-17T02:30:00+19:00",
            "2021-02-17T02:30:00Zjunk", "2021-02-17T02:30:00+05", "２０２１-02-17T02:30:00Z",
        ])
    func invalidTimestamps(_ text: String) {
        #expect(!EventValidator.isGongTimestamp(text))
    }

    @Test(
        "valid URLs",
        arguments: [
            "https://docs.google.com/document/d/1AbC/edit", "HTTP://EXAMPLE.COM", "https://a.b:8443/x?y=z#f",
            "https://[::1]:8080/x", "https://www.dropbox.com/scl/fi/abc/f.pdf?rlkey=k&dl=0", "https://user@host.com/",
            "https://bücher.example/",
        ])
    func validURLs(_ text: String) {
        #expect(EventValidator.isHTTPURL(text))
    }

    @Test(
        "invalid URLs",
        arguments: [
            "", "example.com", "https://", "https://?q", "https://:80/", "javascript:alert(1)", "https://a b.com",
            "https://exa\tmple.com", "https://host:port/", "https://[::1/", "https://../",
        ])
    func invalidURLs(_ text: String) {
        #expect(!EventValidator.isHTTPURL(text))
    }

    @Test(
        "plausible emails",
        arguments: [
            "a@b.co", "first.last+tag@sub.example.com", "\"odd person\"@example.com", "o'brien@example.ie",
            "user@[192.0.2.1]", "josé@exämple.com",
        ])
    func plausibleEmails(_ text: String) {
        #expect(EventValidator.isPlausibleEmail(text))
    }

    @Test(
        "implausible emails",
        arguments: [
            "", "a", "a@", "@b.com", "a@b", "a b@c.com", "<a@b.com>", "a@b.com,c@d.com", ".a@b.com", "a.@b.com",
            "a@-b.com", "a@b..com", "a@b.com.", "Name <a@b.com>",
        ])
    func implausibleEmails(_ text: String) {
        #expect(!EventValidator.isPlausibleEmail(text))
    }

    @Test("JSON numbers", arguments: ["0", "12", "-3", "3.14", "1e10", "-0.5E-3"])
    func jsonNumbers(_ text: String) {
        #expect(EventValidator.isJSONNumber(text))
    }

    @Test("not JSON numbers", arguments: ["", "-", "01", "1.", ".5", "+1", "1e", "NaN", "1,000", " 1"])
    func notJSONNumbers(_ text: String) {
        #expect(!EventValidator.isJSONNumber(text))
    }
}
