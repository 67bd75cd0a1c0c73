import Foundation
import GongEngagement
import MailFetching
import MailParsing
import ShareDetection
import Testing

@testable import ShareDetectorKit

@Suite("Event mapping")
struct EventBuilderTests {
    static let raw = """
        Message-ID: <deal-1@northwind.example>
        Date: Tue, 03 Nov 2026 16:02:00 +0100
        From: Alice Martin <alice@northwind.example>
        To: Bob <bob@contoso.example>, carol@northwind.example
        Cc: dana@fabrikam.example
        Bcc: Bob <BOB@contoso.example>
        Subject: =?UTF-8?Q?Proposal_=E2=80=93_Contoso?=
        Content-Type: text/plain; charset=utf-8

        Hi Bob, the proposal: https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit
        See you <soon> & thanks.

        On Mon, Nov 2, 2026 at 5:11 PM Bob <bob@contoso.example> wrote:
        > an older message quoting https://example.com/old

        """

    static func events(_ text: String = raw, config: TeamConfig = TeamConfig(), envelope: MailDate? = nil) throws
        -> [ContentSharedEvent]
    {
        let pipeline = DetectionPipeline(config: config, rules: RuleSet.builtIn())
        let message = RawMessage(
            bytes: Array(text.utf8), position: MessagePosition(file: "t.eml", index: 0, byteOffset: 0),
            envelopeDate: envelope, resumeOffset: 0)
        return try pipeline.process(message).events
    }

    @Test func mapsEveryFieldPerTheProductMapping() throws {
        var config = TeamConfig()
        config.gong.reportingSystem = "sd-emea"
        config.gong.workspaceId = "623457276584334"
        config.sharers = ["alice@northwind.example": "234599484848423"]
        config.crmAccounts = ["contoso.example": "0013601230sV7grAAC"]
        let events = try Self.events(config: config)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.reportingSystem == "sd-emea")
        #expect(event.eventTimestamp == "2026-11-03T16:02:00+01:00")
        #expect(event.contentId == "gdoc:document:1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")
        #expect(event.contentUrl == "https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit")
        #expect(event.contentTitle == "Proposal – Contoso")
        #expect(event.actionName == "Document Shared")
        #expect(event.sharer == Sharer(id: "234599484848423", email: "alice@northwind.example", name: "Alice Martin"))
        #expect(event.recipients?.map(\.email) == ["bob@contoso.example", "dana@fabrikam.example"])
        #expect(event.sharingMessageSubject == "Proposal – Contoso")
        #expect(event.workspaceId == "623457276584334")
        #expect(event.crmContext?.first?.objects?.first?.objectId == "0013601230sV7grAAC")
        #expect(event.contentProperties?.contains(GenericProperty(name: "provider", value: "Google Docs")) == true)
        #expect(EventValidator.validate(event).isEmpty)
    }

    @Test func digitalInteractionsComeFromTheSameRecordWithTheSameEventId() throws {
        var config = TeamConfig()
        config.gong.api = .digitalInteraction
        config.crmAccounts = ["fabrikam.example": "001FABRIKAM"]
        let text = Self.raw.replacingOccurrences(
            of: "See you <soon>", with: "And the deck https://www.dropbox.com/s/abc123def/deck.pdf?dl=0 see you <soon>")
        let pipeline = DetectionPipeline(config: config, rules: RuleSet.builtIn())
        let outcome = try pipeline.process(
            RawMessage(
                bytes: Array(text.utf8), position: MessagePosition(file: "t.eml", index: 0, byteOffset: 0),
                envelopeDate: nil, resumeOffset: 0))
        #expect(outcome.gongEvents.count == 2)
        var sessions: Set<String> = []
        for (body, shared) in zip(outcome.gongEvents, outcome.events) {
            guard case .digitalInteraction(let event) = body else {
                Issue.record("expected a digital interaction, got \(body)")
                continue
            }
            #expect(body.api == .digitalInteraction)
            #expect(event.eventId == shared.eventId)
            #expect(event.content.contentId == shared.contentId)
            #expect(event.person.email == "bob@contoso.example")
            #expect(event.person.company?.domain == "contoso.example")
            // The engagement event names the listed account of the first recipient that has one (fabrikam);
            // the interaction's person is Bob, whose company has no listed account.
            #expect(shared.crmContext?.first?.objects?.first?.objectId == "001FABRIKAM")
            #expect(event.person.company?.companyBusinessContexts == nil)
            let fields = Dictionary(uniqueKeysWithValues: (event.customFields ?? []).map { ($0.name, $0.value) })
            #expect(fields["mailbox"] == nil)
            #expect(fields["messageId"] == "deal-1@northwind.example")
            #expect(fields["otherRecipients"] == "dana@fabrikam.example")
            #expect(body.validate().isEmpty, "\(body.validate())")
            sessions.insert(event.sessionId ?? "")
        }
        #expect(sessions.count == 1)
        #expect(sessions.first?.hasPrefix("sd1m-") == true)

        config.crmAccounts = ["contoso.example": "001CONTOSO"]
        let record = try #require(
            EventBuilder(config: config).records(
                for: pipeline.detector.detect(try MailParser().parse(Array(text.utf8))),
                message: try MailParser().parse(Array(text.utf8)),
                raw: RawMessage(
                    bytes: [], position: MessagePosition(file: "t.eml", index: 0, byteOffset: 0), envelopeDate: nil,
                    resumeOffset: 0)
            ).first)
        guard case .digitalInteraction(let event) = EventBuilder(config: config).gongEvent(from: record) else {
            Issue.record("expected a digital interaction")
            return
        }
        #expect(
            event.person.company?.companyBusinessContexts == [
                .init(objectType: "ACCOUNT", objectId: "001CONTOSO", systemName: "Salesforce")
            ])
        guard case .contentShared = EventBuilder(config: config).gongEvent(from: record, api: .contentShared) else {
            Issue.record("an explicit API wins over the config's")
            return
        }
    }

    @Test func aStoredContentSharedBodyRebuildsAsTheSameInteractionARecordWould() throws {
        var config = TeamConfig()
        config.gong.reportingSystem = "sd-new"
        config.crmAccounts = ["contoso.example": "001CONTOSO"]
        var shared = ContentSharedEvent(
            reportingSystem: "sd-old", eventTimestamp: "2026-11-03T16:02:00+01:00", contentId: "gdoc:document:1",
            contentUrl: "https://docs.google.com/document/d/1/edit", contentTitle: "Deck")
        shared.eventId = "sd1e-x"
        shared.recipients = [Actor(email: "bob@contoso.example"), Actor(email: "dana@fabrikam.example")]
        shared.crmContext = [
            CallUploadContext(
                system: "Salesforce", objects: [ExternalObject(objectType: "Account", objectId: "001FAB")])
        ]
        let body = try JSONEncoder().encode(shared)
        let rebuilt = try EventBuilder(config: config).rebuild(
            detection: nil, body: body, recordedAPI: .contentShared, messageKey: "mid:deal-1",
            for: .digitalInteraction
        ).get()
        let event = try JSONDecoder().decode(DigitalInteractionEvent.self, from: rebuilt)
        #expect(event.eventId == "sd1e-x")
        #expect(event.sourceSystemName == "sd-new")
        #expect(event.sessionId == EventBuilder.sessionID(messageKey: "mid:deal-1"))
        #expect(
            event.person.company?.companyBusinessContexts?.map(\.objectId) == ["001CONTOSO"], "the person's own account"
        )
        // A digital interaction without a record cannot go back to content shared.
        guard
            case .failure(let error) = EventBuilder(config: config).rebuild(
                detection: nil, body: rebuilt, recordedAPI: .digitalInteraction, for: .contentShared)
        else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.reason.contains("no detection record"))
    }

    @Test func eventPropertiesCarryTheContextAndValidate() throws {
        let event = try #require(try Self.events().first)
        let properties = Dictionary(
            uniqueKeysWithValues: (event.eventProperties ?? []).map { ($0.name, ($0.value, $0.dataType)) })
        #expect(properties["messageId"]?.0 == "deal-1@northwind.example")
        #expect(properties["ruleId"]?.0 == "google-docs")
        #expect(properties["provider"]?.0 == "Google Docs")
        #expect(properties["linkSource"]?.0 == "new text")
        #expect(properties["detectedBy"]?.0 == "share-detector")
        #expect(properties["unwrapChain"] == nil, "the link was not wrapped")
        #expect(properties["mailbox"] == nil, "no mailbox outside a scan")
        #expect(properties.values.allSatisfy { $0.1 == "string" })
        #expect(EventValidator.validate(event).isEmpty)

        // A Safe Links–wrapped link in a forward, read from a scan's mailbox.
        let target = "https%3A%2F%2Fdocs.google.com%2Fdocument%2Fd%2F1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789%2Fedit"
        let wrapped = Self.raw.replacingOccurrences(
            of: "Hi Bob, the proposal: https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit",
            with: """
                Hi Bob, see below.

                ---------- Forwarded message ---------
                From: Erin <erin@northwind.example>
                Subject: deck

                https://nam12.safelinks.protection.outlook.com/?url=\(target)&data=05%7C01&reserved=0
                """)
        let pipeline = DetectionPipeline(config: TeamConfig(), rules: RuleSet.builtIn())
        let raw = RawMessage(
            bytes: Array(wrapped.utf8), position: MessagePosition(file: "t.eml", index: 0, byteOffset: 0),
            envelopeDate: nil, resumeOffset: 0)
        let scanned = try #require(try pipeline.process(raw, mailbox: "alice").events.first)
        let context = Dictionary(
            uniqueKeysWithValues: (scanned.eventProperties ?? []).map { ($0.name, ($0.value, $0.dataType)) })
        #expect(context["mailbox"]?.0 == "alice")
        #expect(context["linkSource"]?.0 == "forward")
        #expect(context["unwrapChain"]?.0.contains("safe") == true, "\(String(describing: context["unwrapChain"]))")
        #expect(context["unwrapSteps"]?.0 == "1" && context["unwrapSteps"]?.1 == "number")
        #expect(scanned.eventId == event.eventId, "the same message and content: the same event")
        #expect(EventValidator.validate(scanned).isEmpty)
        #expect(
            !(scanned.eventProperties ?? []).contains { $0.value.contains("protection.outlook.com") }, "no wrapped URL")
    }

    @Test func oneGongAccountHowEverItsBaseURLIsSpelled() {
        let credentials = GongCredentials.basic(accessKey: "k", secret: "s3cr3t")
        let key = GongAccess.accountKey(baseURL: "https://us-1.api.gong.io", credentials: credentials)
        #expect(GongAccess.accountKey(baseURL: "https://US-1.api.gong.io:443/", credentials: credentials) == key)
        #expect(GongAccess.accountKey(baseURL: "https://us-1.api.gong.io:8443", credentials: credentials) != key)
        #expect(
            GongAccess.accountKey(baseURL: "https://us-1.api.gong.io", credentials: .basic(accessKey: "k", secret: "x"))
                != key)
        #expect(!key.contains("s3cr3t"))
    }

    @Test func crmAccountsMatchSubdomainsByWholeLabels() {
        let accounts = ["contoso.example": "001A", "eu.fabrikam.example": "001B", "fabrikam.example": "001C"]
        #expect(EventBuilder.crmAccount(for: "contoso.example", in: accounts) == "001A")
        #expect(EventBuilder.crmAccount(for: "eu.contoso.example", in: accounts) == "001A")
        #expect(EventBuilder.crmAccount(for: "mail.EU.Contoso.Example", in: accounts) == "001A")
        #expect(EventBuilder.crmAccount(for: "sales.eu.fabrikam.example", in: accounts) == "001B", "nearest parent")
        #expect(EventBuilder.crmAccount(for: "us.fabrikam.example", in: accounts) == "001C")
        #expect(EventBuilder.crmAccount(for: "notcontoso.example", in: accounts) == nil, "whole labels only")
        #expect(EventBuilder.crmAccount(for: "example", in: ["example": "x"]) == nil, "never a bare top level")
    }

    @Test func idsAreDeterministicPerMessageAndContent() throws {
        let first = try #require(try Self.events().first)
        let again = try #require(try Self.events().first)
        #expect(first.eventId == again.eventId && first.shareId == again.shareId)
        #expect(first.eventId != first.shareId)
        let otherMessage = try #require(
            try Self.events(Self.raw.replacingOccurrences(of: "deal-1@", with: "deal-2@")).first)
        #expect(otherMessage.eventId != first.eventId)
        #expect(
            first.eventId
                == EventBuilder.eventID(
                    messageKey: "mid:deal-1@northwind.example",
                    contentId: "gdoc:document:1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"))
    }

    @Test func aMessageWithoutMessageIDGetsAStableFingerprint() throws {
        let text = Self.raw.replacingOccurrences(of: "Message-ID: <deal-1@northwind.example>\n", with: "")
        let first = try #require(try Self.events(text).first)
        let second = try #require(try Self.events(text).first)
        #expect(first.eventId == second.eventId)
        let changed = try #require(try Self.events(text.replacingOccurrences(of: "Hi Bob", with: "Hello Bob")).first)
        #expect(changed.eventId != first.eventId)
    }

    @Test func theEnvelopeDateStandsInForAMissingDateHeader() throws {
        let text = Self.raw.replacingOccurrences(of: "Date: Tue, 03 Nov 2026 16:02:00 +0100\n", with: "")
        let event = try #require(
            try Self.events(text, envelope: MailDate(unixTime: 1_794_000_000, utcOffsetSeconds: 0)).first)
        #expect(event.eventTimestamp == "2026-11-06T21:20:00+00:00")
        #expect(try Self.events(text).isEmpty, "no date at all: no event rather than a made-up time")
    }

    @Test func bodyIsEscapedTrimmedOfQuotedHistoryCappedOrLeftOut() throws {
        let event = try #require(try Self.events().first)
        let body = try #require(event.sharingMessageBody)
        #expect(body.contains("See you &lt;soon&gt; &amp; thanks."))
        #expect(!body.contains("an older message"), "quoted history is trimmed")
        #expect(!body.contains("wrote:"))
        var small = TeamConfig()
        small.gong.maxBodyBytes = 40
        let capped = try #require(try Self.events(config: small).first?.sharingMessageBody)
        #expect(capped.utf8.count <= 40)
        var privateConfig = TeamConfig()
        privateConfig.gong.includeMessageBody = false
        #expect(try Self.events(config: privateConfig).first?.sharingMessageBody == nil)
    }

    @Test func cappingNeverSplitsAUTF8Sequence() {
        let bytes = Array("aé€😀".utf8)
        for cap in 0...bytes.count {
            let cut = SharingMessageBody.capped(bytes[...], maxBytes: cap)
            #expect(String(validating: Array(cut), as: UTF8.self) != nil)
            #expect(cut.count <= cap)
        }
    }

    @Test func htmlBodyDropsTheGmailQuoteButKeepsAForward() throws {
        let html = """
            Message-ID: <h@northwind.example>
            Date: Tue, 03 Nov 2026 16:02:00 +0100
            From: alice@northwind.example
            To: bob@contoso.example
            Subject: SUBJECT
            Content-Type: text/html; charset=utf-8

            <div>New <a href="https://www.loom.com/share/0123456789abcdef0123456789abcdef">demo</a></div>\
            <div class="gmail_quote">On Mon Bob wrote:<blockquote>old text</blockquote></div>
            """
        let reply = try #require(try Self.events(html.replacingOccurrences(of: "SUBJECT", with: "Re: demo")).first)
        #expect(reply.sharingMessageBody?.contains("old text") == false)
        #expect(reply.sharingMessageBody?.contains("demo") == true)
        let forward = try #require(try Self.events(html.replacingOccurrences(of: "SUBJECT", with: "Fwd: demo")).first)
        #expect(forward.sharingMessageBody?.contains("old text") == true)
    }
}
