import Foundation
import GongEngagement
import GongHTTP
import GongSandbox
import Testing

/// Renders the timeline in a real headless Chromium (Debian package `chromium`, installed by scripts/setup.sh):
/// the events must be in the rendered DOM, and a screenshot is taken. Set `SANDBOX_SCREENSHOT=PATH` to keep the
/// screenshot (docs/images/timeline.png was made that way); otherwise it goes to a temporary file.
@Suite("Timeline in a headless browser")
struct TimelineBrowserTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        "Chromium renders every event, grouped by day, with escaped content",
        .enabled(
            if: chromium != nil,
            "chromium is not installed (apt-get install -y chromium, or run scripts/setup.sh); skipping the browser check"
        ),
        .timeLimit(.minutes(2))
    )
    func rendersInChromium() async throws {
        let chromium = try #require(Self.chromium)
        let server = try await GongSandbox.start(GongSandboxConfiguration(callsPerSecond: 0))
        let client = GongClient(baseURL: server.baseURL, credentials: .bearer(token: "open"), totalTimeout: 5)
        for event in Self.sampleEvents() {
            let body = Array(try JSONEncoder().encode(event))
            #expect(await client.sendOnThread(body).status == 200)
        }
        for interaction in Self.sampleInteractions() {
            let body = Array(try JSONEncoder().encode(interaction))
            #expect(await client.sendOnThread(body, to: .digitalInteraction).status == 200)
        }
        let total = Self.sampleEvents().count + Self.sampleInteractions().count
        let scratch = NSTemporaryDirectory() + "timeline-browser-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let screenshot = ProcessInfo.processInfo.environment["SANDBOX_SCREENSHOT"] ?? scratch + "/timeline.png"
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--no-first-run", "--user-data-dir=\(scratch)/profile", "--window-size=1280,900",
        ]
        let dom = try await Self.offPool(chromium, common + ["--dump-dom", server.baseURL + "/"])
        #expect(dom.status == 0, "chromium --dump-dom failed: \(dom.errors.suffix(500))")
        for title in [
            "Q2 Proposal – Northwind", "Master Services Agreement", "Onboarding walkthrough",
            "Security questionnaire – Globex", "Implementation plan",
        ] {
            #expect(dom.output.contains(title), "missing \(title) in the DOM")
        }
        #expect(dom.output.components(separatedBy: "<li class=\"event\"").count == total + 1)
        #expect(dom.output.components(separatedBy: "data-api=\"digital-interaction\"").count == 3)
        #expect(dom.output.contains(">digital interaction</span>"))
        #expect(dom.output.contains(">content shared</span>"))
        #expect(dom.output.contains("<h2>Thursday, 6 March 2025</h2>"))
        #expect(dom.output.contains("&lt;b&gt;not bold&lt;/b&gt;"))
        #expect(!dom.output.contains("<script"))

        let filtered = try await Self.offPool(
            chromium, common + ["--dump-dom", server.baseURL + "/?domain=globex.example"])
        // Two content-shared events to Globex and the interaction whose person is at Globex.
        #expect(filtered.output.components(separatedBy: "<li class=\"event\"").count == 4)
        let bob = try await Self.offPool(
            chromium, common + ["--dump-dom", server.baseURL + "/?sharer=bob%40northwind.example"])
        #expect(bob.output.components(separatedBy: "<li class=\"event\"").count == 4)
        #expect(bob.output.contains("Security questionnaire – Globex"))

        _ = try await Self.offPool(chromium, common + ["--screenshot=\(screenshot)", server.baseURL + "/"])
        let attributes = try FileManager.default.attributesOfItem(atPath: screenshot)
        #expect((attributes[.size] as? Int ?? 0) > 10_000)
        let signature = try #require(FileManager.default.contents(atPath: screenshot)).prefix(8)
        #expect(Array(signature) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        await server.stop()
    }

    /// `run` on its own thread, so waiting for Chromium never blocks the cooperative pool the sandbox needs.
    static func offPool(_ path: String, _ arguments: [String]) async throws -> (
        status: Int32, output: String, errors: String
    ) {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try run(path, arguments) }) }.start()
        }
    }

    /// Runs a process with a 60 s limit; returns its status, stdout and stderr.
    static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both pipes concurrently so a chatty stderr cannot block the process.
        let errorData = LockedData()
        let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let deadline = Date().addingTimeInterval(60)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        while !errorData.isSet && Date() < deadline { usleep(10_000) }
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData.get(), as: UTF8.self)
        )
    }

    /// Two shares reported as digital interactions, as the sender builds them.
    static func sampleInteractions() -> [DigitalInteractionEvent] {
        func interaction(
            _ id: String, _ timestamp: String, _ title: String, _ url: String, _ provider: String,
            sharer: (String, String), person: (String, String), subject: String
        ) -> DigitalInteractionEvent {
            var content = DigitalInteractionEvent.Content(
                contentId: "\(provider.lowercased()):\(id)", contentTitle: title, contentUrl: url)
            content.contentLabel = [provider]
            let domain = String(person.1.split(separator: "@").last ?? "")
            var event = DigitalInteractionEvent(
                eventId: "evt-\(id)", timestamp: timestamp, eventType: "Document Shared", content: content,
                person: DigitalInteractionEvent.Person(
                    name: person.0, email: person.1, company: DigitalInteractionEvent.Company(domain: domain)))
            event.sourceSystemName = "share-detector-emea"
            event.sessionId = "msg-\(id)"
            event.customFields = [
                ("sharerEmail", sharer.1), ("sharerName", sharer.0), ("messageSubject", subject),
                ("mailbox", sharer.1), ("messageId", "<\(id)@mail.northwind.example>"),
                ("ruleId", provider.lowercased()),
                ("provider", provider), ("linkSource", "body"),
            ].map { DigitalInteractionEvent.CustomField(name: $0.0, value: $0.1, dataType: "STRING") }
            return event
        }
        return [
            interaction(
                "6", "2025-03-06T09:20:00+01:00", "Security questionnaire – Globex",
                "https://app.box.com/s/9q8w7e", "Box", sharer: ("Bob Okafor", "bob@northwind.example"),
                person: ("Jane Doe", "jane@globex.example"), subject: "Security questionnaire, completed"),
            interaction(
                "7", "2025-03-04T14:05:00-08:00", "Implementation plan",
                "https://www.notion.so/northwind/Implementation-plan-5d1e", "Notion",
                sharer: ("Alice Martin", "alice@northwind.example"), person: ("Sam Lee", "sam@umbrella.example"),
                subject: "Implementation plan draft"),
        ]
    }

    /// A realistic week of shares for the page and its screenshot.
    static func sampleEvents() -> [ContentSharedEvent] {
        func event(
            _ id: String, _ timestamp: String, _ title: String, _ url: String, _ provider: String, _ kind: String,
            action: String, sharer: (String, String), recipients: [(String, String)], subject: String, body: String
        ) -> ContentSharedEvent {
            var event = ContentSharedEvent(
                reportingSystem: "share-detector-emea", eventTimestamp: timestamp, contentId: "\(provider):\(id)",
                contentUrl: url, contentTitle: title)
            event.eventId = "evt-\(id)"
            event.actionName = action
            event.sharer = Sharer(email: sharer.1, name: sharer.0)
            event.recipients = recipients.map { Actor(email: $0.1, name: $0.0) }
            event.sharingMessageSubject = subject
            event.sharingMessageBody = body
            event.contentProperties = [
                GenericProperty(name: "provider", value: provider), GenericProperty(name: "contentType", value: kind),
            ]
            return event
        }
        let alice = ("Alice Martin", "alice@northwind.example")
        let bob = ("Bob Okafor", "bob@northwind.example")
        return [
            event(
                "1", "2025-03-06T16:42:00+01:00", "Q2 Proposal – Northwind",
                "https://docs.google.com/document/d/1AbC/edit", "Google Docs", "document", action: "Proposal Sent",
                sharer: alice, recipients: [("Jane Doe", "jane@globex.example"), ("Raj Patel", "raj@globex.example")],
                subject: "Re: Next steps",
                body: "<p>Hi Jane, Raj,</p><p>As promised, here is the <b>Q2 proposal</b> with the pricing we "
                    + "discussed on Tuesday. Let me know if the rollout plan works for your team.</p><p>Best,<br>"
                    + "Alice</p>"),
            event(
                "2", "2025-03-06T11:05:00+01:00", "Master Services Agreement",
                "https://app.docusign.com/documents/details/7f3e", "DocuSign", "envelope", action: "Contract Sent",
                sharer: bob, recipients: [("Liu Wei", "legal@initech.example")], subject: "MSA for signature",
                body:
                    "Hello Liu,\n\nPlease find the MSA ready for signature. Escaped tags like &lt;b&gt;not bold&lt;/b&gt; stay text."
            ),
            event(
                "3", "2025-03-05T15:30:00-05:00", "Onboarding walkthrough",
                "https://www.loom.com/share/4c1d2e", "Loom", "recording", action: "Recording Shared", sharer: alice,
                recipients: [("Jane Doe", "jane@globex.example")], subject: "Quick video: getting started",
                body: "<div>Jane — a 4-minute walkthrough of the admin console.</div>"),
            event(
                "4", "2025-03-05T09:12:00Z", "Pricing calculator.xlsx",
                "https://www.dropbox.com/scl/fi/abc/Pricing-calculator.xlsx?rlkey=xyz", "Dropbox", "file",
                action: "Document Shared", sharer: bob, recipients: [("Sam Lee", "sam@umbrella.example")],
                subject: "Pricing calculator", body: "<p>Sam, the calculator we used in the demo.</p>"),
            event(
                "5", "2025-03-03T17:48:00+01:00", "Homepage redesign – concepts",
                "https://www.figma.com/file/XyZ/Homepage", "Figma", "design", action: "Design Shared",
                sharer: alice, recipients: [("Nina Park", "nina@hooli.example")], subject: "Design concepts",
                body: "<p>Hi Nina, three concepts for the new homepage. Comments welcome directly in Figma.</p>"),
        ]
    }
}

/// Data handed from the stderr reader thread to the test.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var done = false

    func set(_ value: Data) {
        lock.withLock {
            data = value
            done = true
        }
    }

    var isSet: Bool { lock.withLock { done } }

    func get() -> Data { lock.withLock { data } }
}
