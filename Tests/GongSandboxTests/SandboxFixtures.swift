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

    /// The event as a request body.
    static func body(_ event: ContentSharedEvent) -> ByteBuffer {
        ByteBuffer(bytes: json(event))
    }

    /// The event as JSON bytes.
    static func json(_ event: ContentSharedEvent) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try! encoder.encode(event))
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

    static let path = "/v2/customer-engagement/content/shared"
}
