import Foundation
import GongEngagement
import GongHTTP
import GongSandbox
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /v2/digital-interaction` over a real loopback socket (`GongSandbox.start` on 127.0.0.1, port 0) with the
/// real `GongClient`, as the sender sees it; the sandbox's own routes are read with HummingbirdTesting's client.
@Suite("Digital interactions in the sandbox")
struct DigitalInteractionTests {
    typealias F = SandboxFixtures

    static func start(
        rate: Int = 0, perDay: Int = 0, faults: SandboxFaults = SandboxFaults(), dataDirectory: String? = nil
    ) async throws -> RunningGongSandbox {
        try await GongSandbox.start(
            GongSandboxConfiguration(
                dataDirectory: dataDirectory, credentials: F.credentials, callsPerSecond: rate, callsPerDay: perDay,
                faults: faults))
    }

    static func client(_ server: RunningGongSandbox, _ credentials: GongCredentials? = nil) -> GongClient {
        GongClient(
            baseURL: server.baseURL, credentials: credentials ?? .basic(accessKey: F.accessKey, secret: F.secret),
            totalTimeout: 5)
    }

    @Test("a digital interaction is accepted: 200 with a requestId, stored and listed with api digital-interaction")
    func accepted() async throws {
        let server = try await Self.start()
        let interaction = F.interaction(id: "di-ok")
        let result = await Self.client(server).sendOnThread(F.json(interaction), to: .digitalInteraction)
        guard case .response(200, let requestId?, let errors, nil) = result else {
            Issue.record("expected 200, got \(result)")
            await server.stop()
            return
        }
        #expect(requestId.count == 19)
        #expect(errors.isEmpty)
        let stored = await server.storedEvents()
        #expect(stored.count == 1)
        #expect(stored.first?.api == .digitalInteraction)
        #expect(stored.first?.event == .digitalInteraction(interaction))
        #expect(stored.first?.requestId == requestId)

        let response = try await F.request(server, "/api/events")
        #expect(response.status == .ok)
        let body = try #require(response.body)
        let listed = F.array(body)
        #expect(listed.count == 1)
        #expect(listed.first?["api"] as? String == "digital-interaction")
        let event = listed.first?["event"] as? [String: Any] ?? [:]
        #expect(event["eventId"] as? String == "di-ok")
        #expect((event["person"] as? [String: Any])?["email"] as? String == "max@initech.example")
        #expect((event["content"] as? [String: Any])?["contentTitle"] as? String == "Security Whitepaper")
        let decoded = try JSONDecoder().decode([StoredEvent].self, from: Data(body.readableBytesView))
        #expect(decoded == stored)
        await server.stop()
    }

    @Test("re-posting a digital interaction's eventId gets 409 in Gong's words; nothing more is stored")
    func conflict() async throws {
        let server = try await Self.start()
        let client = Self.client(server)
        #expect(await client.sendOnThread(F.json(F.interaction(id: "di-dup")), to: .digitalInteraction).status == 200)
        var changed = F.interaction(id: "di-dup", title: "Same eventId, another title")
        changed.sourceSystemName = "another-deployment"
        let result = await client.sendOnThread(F.json(changed), to: .digitalInteraction)
        guard case .response(409, let requestId, let errors, _) = result else {
            Issue.record("expected 409, got \(result)")
            await server.stop()
            return
        }
        #expect(requestId?.count == 19)
        #expect(errors == ["Conflict - Event was already reported in the past. (eventId=di-dup)"])
        #expect(await server.storedEvents().count == 1)
        let stats = await server.stats()
        #expect(stats.digitalInteraction.ok == 1)
        #expect(stats.digitalInteraction.conflict == 1)
        #expect(stats.contentShared == SandboxCounts())
        await server.stop()
    }

    @Test("dedup is per API: one eventId under content shared and digital interaction is stored twice")
    func perAPIDedup() async throws {
        let server = try await Self.start()
        let client = Self.client(server)
        var shared = F.event(id: "same-id")
        shared.reportingSystem = "share-detector-test"
        let interaction = DigitalInteractionEvent(contentShared: shared)
        #expect(interaction.eventId == "same-id")
        #expect(await client.sendOnThread(F.json(shared), to: .contentShared).status == 200)
        #expect(await client.sendOnThread(F.json(interaction), to: .digitalInteraction).status == 200)
        // Each is still a duplicate within its own API.
        #expect(await client.sendOnThread(F.json(shared), to: .contentShared).status == 409)
        #expect(await client.sendOnThread(F.json(interaction), to: .digitalInteraction).status == 409)

        let stored = await server.storedEvents()
        #expect(stored.map(\.api) == [.contentShared, .digitalInteraction])
        #expect(stored.map(\.event.eventId) == ["same-id", "same-id"])
        // The double send shows on the timeline: two cards with the same event id, one per API.
        let page = try await F.request(server, "/")
        let html = String(buffer: try #require(page.body))
        #expect(html.components(separatedBy: "data-event-id=\"same-id\"").count == 3)
        #expect(html.contains("data-event-id=\"same-id\" data-api=\"content-shared\""))
        #expect(html.contains("data-event-id=\"same-id\" data-api=\"digital-interaction\""))
        await server.stop()
    }

    /// Invalid digital interactions and the field path the 400 must name.
    enum Invalid: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case personMissing, personUnknown, personEmail, customFieldType, customFieldNumber, timestamp, companyDomain
        case contentTitleMissing, notJSON

        var testDescription: String { rawValue }

        /// The request body.
        var body: [UInt8] {
            var event = F.interaction(id: "di-bad")
            switch self {
            case .personMissing:
                var object = (try! JSONSerialization.jsonObject(with: Data(F.json(event)))) as! [String: Any]
                object["person"] = nil
                return Array(try! JSONSerialization.data(withJSONObject: object))
            case .personUnknown: event.person = DigitalInteractionEvent.Person()
            case .personEmail: event.person.email = "not-an-address"
            case .customFieldType: event.customFields?[1].dataType = "COLOUR"
            case .customFieldNumber: event.customFields?[0].dataType = "NUMBER"
            case .timestamp: event.timestamp = "yesterday"
            case .companyDomain:
                let json = String(decoding: F.json(event), as: UTF8.self)
                return Array(
                    json.replacingOccurrences(of: "\"domain\":\"initech.example\"", with: "\"domain\":42").utf8)
            case .contentTitleMissing:
                let json = String(decoding: F.json(event), as: UTF8.self)
                return Array(json.replacingOccurrences(of: "\"contentTitle\":", with: "\"title\":").utf8)
            case .notJSON: return Array("{\"eventId\": ".utf8)
            }
            return F.json(event)
        }

        /// The start of an error line the 400 must have.
        var expected: String {
            switch self {
            case .personMissing: "person: required field is missing"
            case .personUnknown: "person: needs a name"
            case .personEmail: "person.email: "
            case .customFieldType: "customFields[1].dataType: must be one of STRING, NUMBER"
            case .customFieldNumber: "customFields[0].value: must be a number"
            case .timestamp: "timestamp: "
            case .companyDomain: "person.company.domain: expected a string"
            case .contentTitleMissing: "content.contentTitle: required field is missing"
            case .notJSON: "Malformed request body: not valid JSON"
            }
        }
    }

    @Test(
        "an invalid digital interaction gets 400 whose errors name the field path; nothing is stored",
        arguments: Invalid.allCases)
    func invalid(_ invalid: Invalid) async throws {
        let server = try await Self.start()
        let result = await Self.client(server).sendOnThread(invalid.body, to: .digitalInteraction)
        guard case .response(400, let requestId, let errors, _) = result else {
            Issue.record("expected 400, got \(result)")
            await server.stop()
            return
        }
        #expect(requestId?.count == 19)
        #expect(errors.contains { $0.hasPrefix(invalid.expected) }, "\(errors)")
        if let event = try? JSONDecoder().decode(DigitalInteractionEvent.self, from: Data(invalid.body)) {
            // What the sender's own validator says, the sandbox says: every issue, in order.
            #expect(errors == EventValidator.validate(event).map(\.description))
        }
        #expect(await server.storedEvents().isEmpty)
        #expect(await server.stats().digitalInteraction.badRequest == 1)
        await server.stop()
    }

    @Test("wrong or missing credentials get 401 on the digital-interaction endpoint too")
    func unauthorized() async throws {
        let server = try await Self.start()
        for credentials in [
            GongCredentials.basic(accessKey: F.accessKey, secret: "wrong"),
            .basic(accessKey: "other", secret: F.secret),
            .bearer(token: "wrong"), .bearer(token: ""),
        ] {
            let result = await Self.client(server, credentials).sendOnThread(
                F.json(F.interaction()), to: .digitalInteraction)
            guard case .response(401, let requestId, let errors, _) = result else {
                Issue.record("expected 401, got \(result)")
                continue
            }
            #expect(requestId != nil)
            #expect(errors == ["Access denied"])
        }
        #expect(await server.storedEvents().isEmpty)
        let bearer = Self.client(server, .bearer(token: F.token))
        #expect(await bearer.sendOnThread(F.json(F.interaction()), to: .digitalInteraction).status == 200)
        let stats = await server.stats()
        #expect(stats.digitalInteraction.unauthorized == 4)
        #expect(stats.contentShared.unauthorized == 0)
        await server.stop()
    }

    @Test("an outage applies to digital interactions: 503, then 429 with Retry-After, nothing stored, then 200")
    func outage() async throws {
        let server = try await Self.start(faults: SandboxFaults(outageStatus: 503, outageRetryAfter: 30))
        let client = Self.client(server)
        let body = F.json(F.interaction(id: "di-outage"))
        let down = await client.sendOnThread(body, to: .digitalInteraction)
        guard case .response(503, _, let errors, 30?) = down else {
            Issue.record("expected 503 with Retry-After 30, got \(down)")
            await server.stop()
            return
        }
        #expect(errors.first?.contains("Outage") == true)

        let switched = try await F.request(
            server, "/api/outage", method: .put, body: ByteBuffer(string: #"{"status": 429, "retryAfter": 120}"#))
        #expect(switched.status == .ok)
        let limited = await client.sendOnThread(body, to: .digitalInteraction)
        guard case .response(429, _, _, 120?) = limited else {
            Issue.record("expected 429 with Retry-After 120, got \(limited)")
            await server.stop()
            return
        }
        #expect(await server.storedEvents().isEmpty)

        _ = try await F.request(server, "/api/outage", method: .put, body: ByteBuffer(string: #"{"status": null}"#))
        #expect(await client.sendOnThread(body, to: .digitalInteraction).status == 200)
        let stats = await server.stats()
        #expect(stats.digitalInteraction.serverError == 1)
        #expect(stats.digitalInteraction.rateLimited == 1)
        #expect(stats.digitalInteraction.ok == 1)
        await server.stop()
    }

    @Test("both APIs share one rate limit: the call after N per second gets 429, whichever API it is")
    func sharedRate() async throws {
        let server = try await Self.start(rate: 2)
        let client = Self.client(server)
        #expect(await client.sendOnThread(F.json(F.event(id: "r-cs")), to: .contentShared).status == 200)
        #expect(await client.sendOnThread(F.json(F.interaction(id: "r-di")), to: .digitalInteraction).status == 200)
        let third = await client.sendOnThread(F.json(F.interaction(id: "r-di-2")), to: .digitalInteraction)
        guard case .response(429, _, _, let retryAfter?) = third else {
            Issue.record("expected 429 with Retry-After, got \(third)")
            await server.stop()
            return
        }
        #expect(retryAfter == 1)
        #expect(await server.storedEvents().map(\.event.eventId) == ["r-cs", "r-di"])
        await server.stop()
    }

    @Test("both APIs share one daily quota: the call after it gets 429 until UTC midnight")
    func sharedDailyQuota() async throws {
        let server = try await Self.start(perDay: 3)
        let client = Self.client(server)
        #expect(await client.sendOnThread(F.json(F.interaction(id: "q1")), to: .digitalInteraction).status == 200)
        #expect(await client.sendOnThread(F.json(F.event(id: "q2")), to: .contentShared).status == 200)
        #expect(await client.sendOnThread(F.json(F.interaction(id: "q3")), to: .digitalInteraction).status == 200)
        for api in GongAPI.allCases {
            let body = api == .contentShared ? F.json(F.event(id: "q4")) : F.json(F.interaction(id: "q4"))
            let result = await client.sendOnThread(body, to: api)
            guard case .response(429, _, _, let retryAfter?) = result else {
                Issue.record("expected 429 for \(api), got \(result)")
                continue
            }
            #expect((1...86_400).contains(retryAfter))
        }
        let stats = await server.stats()
        #expect(stats.rateLimited == 2)
        #expect(stats.contentShared.rateLimited == 1 && stats.digitalInteraction.rateLimited == 1)
        await server.stop()
    }

    @Test("injected faults apply to digital interactions: fail rate 1 → 500, drop rate 1 → stored, then reset")
    func faults() async throws {
        let failing = try await Self.start(faults: SandboxFaults(failRate: 1))
        let failed = await Self.client(failing).sendOnThread(F.json(F.interaction()), to: .digitalInteraction)
        guard case .response(500, _, let errors, _) = failed else {
            Issue.record("expected 500, got \(failed)")
            await failing.stop()
            return
        }
        #expect(errors.first?.contains("injected") == true)
        #expect(await failing.storedEvents().isEmpty)
        await failing.stop()

        let dropping = try await Self.start(faults: SandboxFaults(dropRate: 1))
        let dropped = await Self.client(dropping).sendOnThread(
            F.json(F.interaction(id: "di-drop")), to: .digitalInteraction)
        guard case .transportError(.connectionReset, _) = dropped else {
            Issue.record("expected connectionReset, got \(dropped)")
            await dropping.stop()
            return
        }
        #expect(await dropping.storedEvents().map(\.api) == [.digitalInteraction])
        #expect(await dropping.stats().digitalInteraction.dropped >= 1)
        await dropping.stop()
    }

    @Test("latency applies to digital interactions: a client timeout shorter than it times out")
    func latency() async throws {
        let server = try await Self.start(faults: SandboxFaults(latencyMilliseconds: 2_000))
        let client = GongClient(
            baseURL: server.baseURL, credentials: .basic(accessKey: F.accessKey, secret: F.secret), totalTimeout: 0.3)
        let result = await client.sendOnThread(F.json(F.interaction()), to: .digitalInteraction)
        guard case .transportError(.timeout, _) = result else {
            Issue.record("expected a timeout, got \(result)")
            await server.stop()
            return
        }
        await server.stop()
    }

    @Test("the wrong method on either API's path gets 405 with Allow, and counts nothing")
    func wrongMethod() async throws {
        let server = try await Self.start()
        let cases: [(String, HTTPRequest.Method, String)] = [
            (F.diPath, .put, "POST"), (F.diPath, .get, "POST"), (F.path, .post, "PUT"), (F.path, .delete, "PUT"),
        ]
        for (path, method, allowed) in cases {
            let response = try await F.request(server, path, method: method, body: F.body(F.interaction()))
            #expect(response.status == .methodNotAllowed, "\(method) \(path)")
            #expect(response.headers[.allow] == allowed)
            let errors = F.object(try #require(response.body))["errors"] as? [String] ?? []
            #expect(errors == ["\(method.rawValue) is not allowed on \(path): use \(allowed)"])
        }
        #expect(await server.storedEvents().isEmpty)
        #expect(await server.stats() == SandboxStats())
        await server.stop()
    }

    @Test("GET /api/stats counts per API next to the totals")
    func stats() async throws {
        let server = try await Self.start()
        let client = Self.client(server)
        _ = await client.sendOnThread(F.json(F.event(id: "s1")), to: .contentShared)
        _ = await client.sendOnThread(F.json(F.interaction(id: "s1")), to: .digitalInteraction)
        _ = await client.sendOnThread(F.json(F.interaction(id: "s2")), to: .digitalInteraction)
        _ = await client.sendOnThread(F.json(F.interaction(id: "s2")), to: .digitalInteraction)
        _ = await client.sendOnThread(Array("{}".utf8), to: .digitalInteraction)
        let response = try await F.request(server, "/api/stats")
        let body = try #require(response.body)
        let object = F.object(body)
        #expect(object["200"] as? Int == 3)
        #expect(object["409"] as? Int == 1)
        #expect(object["400"] as? Int == 1)
        #expect(object["events"] as? Int == 3)
        let shared = object["content-shared"] as? [String: Int] ?? [:]
        let interactions = object["digital-interaction"] as? [String: Int] ?? [:]
        #expect(shared["200"] == 1 && shared["events"] == 1 && shared["409"] == 0)
        #expect(interactions["200"] == 2 && interactions["events"] == 2 && interactions["409"] == 1)
        #expect(interactions["400"] == 1)
        let decoded = try JSONDecoder().decode(SandboxStats.self, from: Data(body.readableBytesView))
        #expect(decoded == (await server.stats()))
        #expect(decoded[.digitalInteraction].events == 2)
        await server.stop()
    }

    @Test("the timeline shows both kinds, badged, with the interaction's details; both filters work on them")
    func timeline() async throws {
        let server = try await Self.start()
        let client = Self.client(server)
        var alice = F.interaction(
            id: "di-alice", timestamp: "2025-03-05T09:00:00Z", title: "Alice's deck",
            sharerEmail: "alice@northwind.example",
            personEmail: "nina@gmail.example", companyDomain: "hooli.example")
        alice.person.company?.name = "Hooli"
        let events: [(GongAPI, [UInt8])] = [
            (.contentShared, F.json(F.event(id: "cs-1"))),
            (.digitalInteraction, F.json(F.interaction(id: "di-carol", otherRecipients: "ops@globex.example"))),
            (.digitalInteraction, F.json(alice)),
        ]
        for (api, body) in events { #expect(await client.sendOnThread(body, to: api).status == 200) }

        func page(_ query: String) async throws -> String {
            String(buffer: try #require(try await F.request(server, "/" + query).body))
        }
        let html = try await page("")
        #expect(html.contains("3 events"))
        #expect(html.contains("<span class=\"api api-content-shared\">content shared</span>"))
        #expect(html.components(separatedBy: "<span class=\"api api-digital-interaction\">").count == 3)
        #expect(html.contains("data-event-id=\"di-carol\" data-api=\"digital-interaction\""))
        #expect(html.contains("Document Shared <span class=\"provider\">Google Drive</span>"))
        #expect(html.contains("<span class=\"kind\">file</span>"))
        #expect(
            html.contains(
                "<a class=\"title\" href=\"https://drive.google.com/file/d/di-carol/view\" rel=\"noopener noreferrer\">"
                    + "Security Whitepaper</a>"))
        #expect(html.contains("Carol Rep <span class=\"email\">&lt;carol@northwind.example&gt;</span>"))
        #expect(html.contains("Max Buyer <span class=\"email\">&lt;max@initech.example&gt;</span>"))
        #expect(html.contains("<span class=\"company\">initech.example</span>"))
        #expect(html.contains("<span class=\"company\">Hooli (hooli.example)</span>"))
        #expect(html.contains("<dd class=\"subject\">Whitepaper for di-carol</dd>"))
        #expect(html.contains("<dt>mailbox</dt><dd>carol@northwind.example</dd>"))
        #expect(html.contains("<dt>messageId</dt><dd>&lt;di-carol@mail.northwind.example&gt;</dd>"))
        #expect(html.contains("<dt>ruleId</dt><dd>gdrive-file</dd>"))
        #expect(html.contains("<dt>linkSource</dt><dd>body</dd>"))
        #expect(
            html.contains("<dt>unwrapChain</dt><dd>https://safelinks.example/?u=drive <span class=\"type\">URL</span>"))
        #expect(
            html.contains("share-detector-test · <code>gdrive:file:di-carol</code> · session <code>session-di-carol"))
        #expect(html.contains("<option value=\"carol@northwind.example\">"))

        let carol = try await page("?sharer=CAROL%40northwind.example")
        #expect(carol.contains("1 of 3 events"))
        #expect(carol.contains("data-event-id=\"di-carol\""))
        let aliceOnly = try await page("?sharer=alice%40northwind.example")
        #expect(aliceOnly.contains("2 of 3 events"))
        #expect(aliceOnly.contains("data-event-id=\"cs-1\"") && aliceOnly.contains("data-event-id=\"di-alice\""))
        // Person email domain, company domain and other recipients all count as recipient domains.
        for (domain, ids) in [
            ("initech.example", ["di-carol"]), ("gmail.example", ["di-alice"]), ("hooli.example", ["di-alice"]),
            ("globex.example", ["di-carol"]), ("prospect.example", ["cs-1"]),
        ] {
            let filtered = try await page("?domain=\(domain)")
            #expect(filtered.contains("\(ids.count) of 3 events"), "\(domain)")
            for id in ["cs-1", "di-carol", "di-alice"] {
                #expect(filtered.contains("data-event-id=\"\(id)\"") == ids.contains(id), "\(domain): \(id)")
            }
        }
        await server.stop()
    }

    @Test("a digital interaction's values are escaped everywhere and a non-web contentUrl is not linked")
    func escaping() {
        var hostile = F.interaction(id: "x\"><script>", title: "<script>alert('t')</script> & Co")
        hostile.eventType = "<b>Shared</b>"
        hostile.content.contentUrl = "javascript:alert(1)"
        hostile.person.name = "Eve <evil@x>"
        hostile.customFields?.append(DigitalInteractionEvent.CustomField(name: "<i>n</i>", value: "\"v\" & 'w'"))
        hostile.sourceSystemName = "<sys>"
        let html = TimelinePage.render(
            events: [StoredEvent(requestId: "r1", receivedAt: "t", event: .digitalInteraction(hostile))],
            filter: TimelineFilter())
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>Shared"))
        #expect(!html.contains("<i>n"))
        #expect(!html.contains("href=\"javascript:"))
        #expect(html.contains("data-event-id=\"x&quot;&gt;&lt;script&gt;\""))
        #expect(html.contains("&lt;b&gt;Shared&lt;/b&gt;"))
        #expect(html.contains("<span class=\"title\">&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; &amp; Co</span>"))
        #expect(html.contains("Eve &lt;evil@x&gt;"))
        #expect(html.contains("<dt>&lt;i&gt;n&lt;/i&gt;</dt><dd>&quot;v&quot; &amp; &#39;w&#39;</dd>"))
        #expect(html.contains("&lt;sys&gt;"))
    }

    @Test("events.jsonl keeps both kinds with their api; old lines without api load as content shared")
    func persistence() async throws {
        let directory = F.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A line as written before the sandbox took digital interactions: no "api".
        let legacy = try JSONSerialization.data(withJSONObject: [
            "requestId": "legacyrequest000001", "receivedAt": "2025-03-01T00:00:00.000Z",
            "event": JSONSerialization.jsonObject(with: Data(F.json(F.event(id: "old-1")))),
        ])
        try (legacy + Data("\n".utf8)).write(to: URL(fileURLWithPath: directory + "/events.jsonl"))

        let server = try await Self.start(dataDirectory: directory)
        #expect(await server.storedEvents().map(\.api) == [.contentShared])
        #expect(await server.stats().contentShared.events == 1)
        let client = Self.client(server)
        #expect(await client.sendOnThread(F.json(F.event(id: "old-1")), to: .contentShared).status == 409)
        #expect(await client.sendOnThread(F.json(F.interaction(id: "old-1")), to: .digitalInteraction).status == 200)
        #expect(await client.sendOnThread(F.json(F.interaction(id: "di-2")), to: .digitalInteraction).status == 200)
        await server.stop()

        let lines = try String(contentsOfFile: directory + "/events.jsonl", encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.dropFirst().allSatisfy { $0.contains("\"api\":\"digital-interaction\"") })
        #expect(lines.last?.contains("\"event\":{\"content\":{") == true)

        let restarted = try await Self.start(dataDirectory: directory)
        #expect(
            await restarted.storedEvents().map(\.api) == [.contentShared, .digitalInteraction, .digitalInteraction])
        let stats = await restarted.stats()
        #expect(stats.events == 3 && stats.contentShared.events == 1 && stats.digitalInteraction.events == 2)
        let again = Self.client(restarted)
        #expect(await again.sendOnThread(F.json(F.interaction(id: "di-2")), to: .digitalInteraction).status == 409)
        #expect(await again.sendOnThread(F.json(F.event(id: "di-2")), to: .contentShared).status == 200)
        await restarted.stop()
    }
}
