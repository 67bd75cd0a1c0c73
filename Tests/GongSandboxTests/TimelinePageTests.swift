import Foundation
import GongEngagement
import GongSandbox
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Timeline page")
struct TimelinePageTests {
    typealias F = SandboxFixtures

    /// Three events on two days, from two sharers, to two recipient domains.
    static func events() -> [StoredEvent] {
        var hostile = F.event(
            id: "x3", timestamp: "2025-03-05T09:15:00Z", title: "<script>alert('title')</script> & Co",
            sharerEmail: "bob@northwind.example", recipientEmail: "cfo@globex.example",
            body: """
                <html><head><style>p { color: red }</style><title>ignored</title></head><body>
                <p>Hello&nbsp;there &amp; welcome</p><script>alert("body")</script><img src=x onerror=alert(1)>
                <!-- a comment --><p>Second &lt;b&gt;para&lt;/b&gt; \(String(repeating: "long text ", count: 60))</p>
                </body></html>
                """)
        hostile.sharingMessageSubject = "Subject with <i>tags</i> & \"quotes\""
        hostile.contentUrl = "https://example.com/?a=1&b=\"2\""
        var javascriptURL = F.event(id: "x4", timestamp: "2025-03-03T08:00:00-05:00", title: "Not a link")
        javascriptURL.contentUrl = "javascript:alert(1)"
        return [
            StoredEvent(
                requestId: "req1", receivedAt: "2025-03-06T00:00:00.000Z", event: .contentShared(F.event(id: "x1"))),
            StoredEvent(
                requestId: "req2", receivedAt: "2025-03-06T00:00:01.000Z",
                event: .contentShared(F.event(id: "x2", timestamp: "2025-03-04T18:00:00-08:00", title: "Pricing Sheet"))
            ),
            StoredEvent(requestId: "req3", receivedAt: "2025-03-06T00:00:02.000Z", event: .contentShared(hostile)),
            StoredEvent(
                requestId: "req4", receivedAt: "2025-03-06T00:00:03.000Z", event: .contentShared(javascriptURL)),
        ]
    }

    @Test("events are grouped by UTC day, newest first, with time, action, link, people, subject, provider")
    func layout() {
        let html = TimelinePage.render(events: Self.events(), filter: TimelineFilter())
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        // 2025-03-04T18:00-08:00 is 2025-03-05T02:00Z, so it sits on the 5th, after 09:15 and before the 4th.
        let order = ["data-event-id=\"x3\"", "data-event-id=\"x2\"", "data-event-id=\"x1\"", "data-event-id=\"x4\""]
        let positions = order.map { html.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(html.contains("<h2>Wednesday, 5 March 2025</h2>"))
        #expect(html.contains("<h2>Tuesday, 4 March 2025</h2>"))
        #expect(html.contains("<h2>Monday, 3 March 2025</h2>"))
        #expect(html.components(separatedBy: "<section class=\"day\"").count == 4)
        #expect(html.contains(">09:30</time>"))  // 10:30+01:00
        #expect(html.contains(">02:00</time>"))
        #expect(html.contains("href=\"https://docs.google.com/document/d/x1/edit\""))
        #expect(html.contains(">Q2 Proposal</a>"))
        #expect(html.contains("Alice Rep <span class=\"email\">&lt;alice@northwind.example&gt;</span>"))
        #expect(html.contains("Jane Prospect <span class=\"email\">&lt;jane@prospect.example&gt;</span>"))
        #expect(html.contains("<dd class=\"subject\">Proposal for x1</dd>"))
        #expect(html.contains("<span class=\"provider\">Google Docs</span>"))
        #expect(html.contains("<p class=\"preview\">Hi Jane, here is the proposal .</p>"))
        #expect(html.contains("Document Shared"))
        #expect(html.contains("4 events"))
    }

    @Test("every value is escaped; scripts, styles and tags are stripped from the preview; non-web URLs unlinked")
    func escaping() {
        let html = TimelinePage.render(events: Self.events(), filter: TimelineFilter())
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("alert(\"body\")"))
        #expect(!html.contains("color: red"))
        #expect(!html.contains("a comment"))
        #expect(html.contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; Co"))
        #expect(html.contains("Subject with &lt;i&gt;tags&lt;/i&gt; &amp; &quot;quotes&quot;"))
        #expect(html.contains("href=\"https://example.com/?a=1&amp;b=&quot;2&quot;\""))
        #expect(html.contains("Hello there &amp; welcome Second &lt;b&gt;para&lt;/b&gt; long text"))
        #expect(!html.contains("href=\"javascript:"))
        #expect(html.contains("<span class=\"title\">Not a link</span>"))
        // The preview is cut near 300 characters.
        let preview = html.components(separatedBy: "<p class=\"preview\">")[1].components(separatedBy: "</p>")[0]
        #expect(preview.hasSuffix("…"))
        #expect(preview.count < 360)
    }

    @Test("filters by sharer and by recipient domain (and subdomain), case-insensitively")
    func filters() {
        let events = Self.events()
        let bob = TimelinePage.render(events: events, filter: TimelineFilter(sharer: "BOB@northwind.example"))
        #expect(bob.contains("data-event-id=\"x3\""))
        #expect(!bob.contains("data-event-id=\"x1\""))
        #expect(bob.contains("1 of 4 events"))
        #expect(bob.contains("<option value=\"bob@northwind.example\" selected>"))

        let prospect = TimelinePage.render(events: events, filter: TimelineFilter(recipientDomain: "@Prospect.example"))
        #expect(prospect.contains("data-event-id=\"x1\""))
        #expect(!prospect.contains("data-event-id=\"x3\""))
        #expect(prospect.contains("value=\"prospect.example\""))

        #expect(TimelineFilter(recipientDomain: "example").matches(events[0].event))
        #expect(!TimelineFilter(recipientDomain: "ample").matches(events[0].event))

        let none = TimelinePage.render(events: events, filter: TimelineFilter(recipientDomain: "nowhere.example"))
        #expect(none.contains("No events match these filters."))
    }

    @Test("GET / serves the page with the stored events and applies the query filters")
    func route() async throws {
        let sandbox = try GongSandbox(configuration: GongSandboxConfiguration(callsPerSecond: 0))
        try await sandbox.makeApplication().test(.router) { client in
            for event in Self.events().prefix(3).map(\.event) {
                try await client.execute(uri: F.path, method: .put, body: F.body(event)) {
                    #expect($0.status == .ok)
                }
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                #expect(html.contains("Q2 Proposal"))
                #expect(html.contains("Pricing Sheet"))
                #expect(html.contains("&lt;script&gt;alert"))
                #expect(!html.contains("<script"))
            }
            try await client.execute(uri: "/?sharer=bob%40northwind.example&domain=", method: .get) {
                let html = String(buffer: $0.body)
                #expect(html.contains("1 of 3 events"))
                #expect(!html.contains("Q2 Proposal"))
            }
            try await client.execute(uri: "/?domain=prospect.example", method: .get) {
                let html = String(buffer: $0.body)
                #expect(html.contains("2 of 3 events"))
                #expect(html.contains("Q2 Proposal"))
                #expect(html.contains("Pricing Sheet"))
            }
        }
    }

    @Test("an empty sandbox says how to add an event")
    func empty() {
        let html = TimelinePage.render(events: [], filter: TimelineFilter())
        #expect(html.contains("No events yet."))
        #expect(html.hasSuffix("</html>\n"))
    }
}
