import Foundation
import GongEngagement
import GongSandbox
import Hummingbird
import HummingbirdTesting

/// Shared helpers of the sandbox tests.
enum SandboxFixtures {
    static let accessKey = "sandbox-test-access-key"
    static let secret = "sandbox-test-secret-5f1e"
    static let token = "sandbox-test-bearer-9c2a"
    static let credentials = SandboxCredentials(accessKey: accessKey, accessKeySecret: secret, bearerToken: token)

    /// `Authorization: Basic …` for `key:secret`.
    static func basic(_ key: String = accessKey, _ secret: String = secret) -> HTTPFields {
        [.authorization: "Basic " + Data("\(key):\(secret)".utf8).base64EncodedString()]
    }

    /// `Authorization: Bearer …`.
    static func bearer(_ token: String = token) -> HTTPFields { [.authorization: "Bearer " + token] }

    /// A valid event.
    static func event(
        id: String = "evt-1", timestamp: String = "2025-03-04T10:30:00+01:00", title: String = "Q2 Proposal",
        sharerEmail: String = "alice@northwind.example", recipientEmail: String = "jane@prospect.example",
        body: String? = "<p>Hi Jane,</p><p>here is the <b>proposal</b>.</p>"
    ) -> ContentSharedEvent {
        var event = ContentSharedEvent(
            reportingSystem: "share-detector-test", eventTimestamp: timestamp, contentId: "gdoc:document:\(id)",
            contentUrl: "https://docs.google.com/document/d/\(id)/edit", contentTitle: title)
        event.eventId = id
        event.shareId = "share-\(id)"
        event.actionName = "Document Shared"
        event.sharer = Sharer(email: sharerEmail, name: "Alice Rep")
        event.recipients = [Actor(email: recipientEmail, name: "Jane Prospect")]
        event.sharingMessageSubject = "Proposal for \(id)"
        event.sharingMessageBody = body
        event.contentProperties = [
            GenericProperty(name: "provider", value: "Google Docs"),
            GenericProperty(name: "contentType", value: "document"),
        ]
        return event
    }

    /// A valid digital interaction, shaped as the sender builds one: the sharer, subject and message details in
    /// custom fields, the recipient as the person with their company's domain.
    static func interaction(
        id: String = "di-1", timestamp: String = "2025-03-04T11:00:00+01:00", title: String = "Security Whitepaper",
        sharerEmail: String = "carol@northwind.example", personEmail: String? = "max@initech.example",
        companyDomain: String? = "initech.example", otherRecipients: String? = nil
    ) -> DigitalInteractionEvent {
        var content = DigitalInteractionEvent.Content(
            contentId: "gdrive:file:\(id)", contentTitle: title,
            contentUrl: "https://drive.google.com/file/d/\(id)/view")
        content.contentLabel = ["Google Drive"]
        content.contentCustomFields = [DigitalInteractionEvent.CustomField(name: "contentType", value: "file")]
        let person = DigitalInteractionEvent.Person(
            name: "Max Buyer", email: personEmail,
            company: companyDomain.map { DigitalInteractionEvent.Company(domain: $0) })
        var event = DigitalInteractionEvent(
            eventId: id, timestamp: timestamp, eventType: "Document Shared", content: content, person: person)
        event.sourceSystemName = "share-detector-test"
        event.sessionId = "session-\(id)"
        event.device = "PC"
        var fields: [(String, String, String)] = [
            ("sharerEmail", sharerEmail, "STRING"), ("sharerName", "Carol Rep", "STRING"),
            ("messageSubject", "Whitepaper for \(id)", "STRING"), ("mailbox", "carol@northwind.example", "STRING"),
            ("messageId", "<\(id)@mail.northwind.example>", "STRING"), ("ruleId", "gdrive-file", "STRING"),
            ("provider", "Google Drive", "STRING"), ("linkSource", "body", "STRING"),
            ("unwrapChain", "https://safelinks.example/?u=drive", "URL"),
        ]
        if let otherRecipients { fields.append(("otherRecipients", otherRecipients, "STRING")) }
        event.customFields = fields.map { DigitalInteractionEvent.CustomField(name: $0.0, value: $0.1, dataType: $0.2) }
        return event
    }

    /// The event as a request body.
    static func body(_ event: some Encodable) -> ByteBuffer {
        ByteBuffer(bytes: json(event))
    }

    /// The event as JSON bytes.
    static func json(_ event: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try! encoder.encode(event))
    }

    /// The JSON array of a response body.
    static func array(_ buffer: ByteBuffer) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [[String: Any]] ?? []
    }

    /// The JSON object of a response body.
    static func object(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "gong-sandbox-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let path = GongAPI.contentShared.path
    static let diPath = GongAPI.digitalInteraction.path

    /// `GET uri` (or another method) on a server started with `GongSandbox.start`, over loopback.
    static func request(
        _ server: RunningGongSandbox, _ uri: String, method: HTTPRequest.Method = .get, body: ByteBuffer? = nil
    ) async throws -> TestClient.Response {
        try await TestClient.withClient(host: server.host, port: server.port) { client in
            try await client.execute(
                TestClient.Request(uri, method: method, authority: "\(server.host):\(server.port)", body: body))
        }
    }
}
