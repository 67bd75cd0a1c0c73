import MailParsing
import Testing

@testable import ShareDetection

/// Helpers shared by the link extractor and region tests.
enum LinkFixture {
    static func plain(_ text: String, path: String = "1", attached: Bool = false) -> BodyPart {
        BodyPart(kind: .plain, path: path, charset: "utf-8", utf8: Array(text.utf8), isInAttachedMessage: attached)
    }

    static func html(_ text: String, path: String = "2", attached: Bool = false) -> BodyPart {
        BodyPart(kind: .html, path: path, charset: "utf-8", utf8: Array(text.utf8), isInAttachedMessage: attached)
    }

    static func links(plain text: String, subject: String? = nil) -> [ExtractedLink] {
        LinkExtractor().links(in: plain(text), subject: subject)
    }

    static func links(html text: String, subject: String? = nil) -> [ExtractedLink] {
        LinkExtractor().links(in: html(text), subject: subject)
    }

    static func urls(plain text: String) -> [String] { links(plain: text).map(\.url) }

    static func urls(html text: String) -> [String] { links(html: text).map(\.url) }

    /// URL → region, for parts whose URLs are distinct.
    static func regions(_ links: [ExtractedLink]) -> [String: LinkRegion] {
        Dictionary(links.map { ($0.url, $0.region) }, uniquingKeysWith: { first, _ in first })
    }

    static func message(subject: String?, _ parts: BodyPart...) -> MailMessage {
        var message = MailMessage()
        message.subject = subject
        message.bodyParts = parts
        return message
    }
}

@Suite struct LinkExtractorSupportTests {
    @Test func fixturesBuildParts() {
        #expect(LinkFixture.plain("x").kind == .plain)
        #expect(LinkFixture.html("x").kind == .html)
    }
}
