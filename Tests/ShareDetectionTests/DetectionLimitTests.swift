import MailParsing
import Testing

@testable import ShareDetection

/// The detector's bounds, when reached, are defects of the message, never silent.
@Suite("Detection limits are reported")
struct DetectionLimitTests {
    private func part(_ kind: BodyPart.Kind, _ text: String, path: String = "1") -> BodyPart {
        BodyPart(kind: kind, path: path, charset: nil, utf8: Array(text.utf8), isInAttachedMessage: false)
    }

    @Test("More distinct links than maxLinksPerPart: the first ones are kept and a link-limit defect says so")
    func linkLimit() throws {
        var extractor = LinkExtractor()
        extractor.maxLinksPerPart = 5
        let text = (0..<8).map { "https://example.com/doc\($0)" }.joined(separator: "\n")
        var defects: [ParseDefect] = []
        let links = extractor.links(in: part(.plain, text), subject: nil, defects: &defects)
        #expect(links.map(\.url) == (0..<5).map { "https://example.com/doc\($0)" })
        let defect = try #require(defects.first)
        #expect(defects.count == 1)
        #expect(defect.code == "link-limit")
        #expect(defect.item == "part 1 (plain): 5 links kept, about 3 more dropped")
        // The offset is where the first dropped link starts.
        #expect(defect.offset == Int64(Array(text.utf8).count - "https://example.com/doc7".utf8.count * 3 - 2))
    }

    @Test("Exactly maxLinksPerPart links, or repeats of kept ones: no defect")
    func noDefectAtTheCap() {
        var extractor = LinkExtractor()
        extractor.maxLinksPerPart = 3
        let text = "https://a.example/1 https://a.example/2 https://a.example/3 https://a.example/1 https://a.example/3"
        var defects: [ParseDefect] = []
        #expect(extractor.links(in: part(.plain, text), subject: nil, defects: &defects).count == 3)
        #expect(defects.isEmpty)
    }

    @Test("More than 64 nested quote elements in HTML: a region-nesting-limit defect at the first one not tracked")
    func regionNestingLimit() throws {
        let open = String(repeating: "<blockquote type=\"cite\">", count: 70)
        let html = "<p>new https://a.example/new</p>" + open + "https://a.example/deep" + "</blockquote>"
        var defects: [ParseDefect] = []
        let links = LinkExtractor().links(in: part(.html, html, path: "2"), subject: "Re: x", defects: &defects)
        #expect(links.map(\.url) == ["https://a.example/new", "https://a.example/deep"])
        let defect = try #require(defects.first { $0.code == "region-nesting-limit" })
        #expect(defect.item == "part 2 (html): more than 64 nested quote/forward elements")
        let firstUntracked =
            "<p>new https://a.example/new</p>".utf8.count + 64 * "<blockquote type=\"cite\">".utf8.count
        #expect(defect.offset == Int64(firstUntracked))
    }

    @Test("The detector passes the extractor's defects on with the message's result")
    func detectorCarriesDefects() {
        var message = MailMessage()
        message.from = [MailAddress(address: "ann@northwind.example")]
        message.to = [MailAddress(address: "bob@contoso.example")]
        message.bodyParts = [
            part(
                .plain,
                (0..<3).map { "https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvW\($0)xyz/edit" }.joined(
                    separator: " "))
        ]
        var detector = ShareDetector(rules: .builtIn())
        detector.extractor.maxLinksPerPart = 2
        let result = detector.detect(message)
        #expect(result.shares.count == 2)
        #expect(result.defects.map(\.code) == ["link-limit"])
    }
}
