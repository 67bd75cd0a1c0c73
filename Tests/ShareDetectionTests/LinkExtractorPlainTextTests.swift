import MailParsing
import Testing

@testable import ShareDetection

@Suite struct LinkExtractorPlainTextTests {
    /// GFM autolink / Rust linkify rules: (text, expected URLs).
    static let linkifyTable: [(String, [String])] = [
        ("see http://example.com.", ["http://example.com"]),
        ("http://example.com/.", ["http://example.com/"]),
        ("http://example.com/./", ["http://example.com/./"]),
        ("(http://example.com/)", ["http://example.com/"]),
        (
            "https://en.wikipedia.org/wiki/Link_(The_Legend_of_Zelda)",
            ["https://en.wikipedia.org/wiki/Link_(The_Legend_of_Zelda)"]
        ),
        ("(see https://en.wikipedia.org/wiki/Link_(Zelda))", ["https://en.wikipedia.org/wiki/Link_(Zelda)"]),
        ("https://a.com/x);", ["https://a.com/x"]),
        ("<http://example.com/a>", ["http://example.com/a"]),
        ("[http://a.com/x]", ["http://a.com/x"]),
        ("[doc](https://a.com/x)", ["https://a.com/x"]),
        ("http://a.com/x?", ["http://a.com/x"]),
        ("http://a.com/x!", ["http://a.com/x"]),
        ("http://a.com/x,", ["http://a.com/x"]),
        ("http://a.com/x:", ["http://a.com/x"]),
        ("*http://a.com/x*", ["http://a.com/x"]),
        ("_http://a.com/x_", ["http://a.com/x"]),
        ("~http://a.com/x~", ["http://a.com/x"]),
        ("http://a.com/x;", ["http://a.com/x"]),
        ("'http://a.com/x'", ["http://a.com/x"]),
        ("\"http://a.com/x\"", ["http://a.com/x"]),
        ("http://a.com/x?!.,", ["http://a.com/x"]),
        ("http://a.com/x&amp;", ["http://a.com/x"]),
        ("http://a.com/x&hellip;", ["http://a.com/x"]),
        ("http://a.com/?q=1&x=2", ["http://a.com/?q=1&x=2"]),
        ("http://a.com/a.b?c=d!e", ["http://a.com/a.b?c=d!e"]),
        ("nhttp://example.com", []),
        ("xhttps://example.com", []),
        ("9http://example.com", []),
        ("foo:http://a.com", ["http://a.com"]),
        ("HTTPS://EXAMPLE.COM/X", ["HTTPS://EXAMPLE.COM/X"]),
        ("http:// nope", []),
        ("http://", []),
        ("https:///path", []),
        ("ftp://a.com mailto:x@y.com tel:+1555", []),
        ("www.example.com", []),
        (
            "https://docs.google.com/document/d/abc/edit?usp=sharing, thanks",
            ["https://docs.google.com/document/d/abc/edit?usp=sharing"]
        ),
        ("two: http://a.com and https://b.com/x", ["http://a.com", "https://b.com/x"]),
        ("http://例え.jp/パス", ["http://例え.jp/パス"]),
        ("https://a.com/x\u{3000}next", ["https://a.com/x"]),
        ("https://a.com/x\u{00A0}next", ["https://a.com/x"]),
        ("「https://a.com/x」", ["https://a.com/x"]),
        ("https://a.com/long\npath", ["https://a.com/long"]),
        ("https://a.com/x\thttps://b.com", ["https://a.com/x", "https://b.com"]),
        ("https://a.com/`code`", ["https://a.com/"]),
        ("http://[::1]:8080/x", ["http://[::1]:8080/x"]),
    ]

    @Test(arguments: linkifyTable)
    func linkifyRules(text: String, expected: [String]) {
        #expect(LinkFixture.urls(plain: text) == expected)
    }

    @Test func bareURLsHaveNoAnchorTextAndPartInfo() throws {
        let part = LinkFixture.plain("héllo https://a.com/x", path: "1.1")
        let link = try #require(LinkExtractor().links(in: part, subject: nil).first)
        #expect(link.anchorText == nil)
        #expect(link.partPath == "1.1")
        #expect(link.partKind == .plain)
        #expect(link.byteOffset == 7)  // "é" is two bytes
        #expect(link.region == .newText)
        #expect(link.regionReason == "new text")
    }

    @Test func plainTextIsNotEntityDecoded() {
        #expect(LinkFixture.urls(plain: "https://a.com/?a=1&amp;b=2 x") == ["https://a.com/?a=1&amp;b=2"])
    }

    @Test func repeatedURLKeptOncePerRegion() {
        let text = "https://a.com/x and again https://a.com/x\n> https://a.com/x\n> https://a.com/x\n"
        let links = LinkFixture.links(plain: text)
        #expect(links.map(\.region) == [.newText, .quoted])
        #expect(links.map(\.byteOffset) == [0, 44])
    }

    @Test func urlAtEndOfPartWithoutNewline() {
        #expect(LinkFixture.urls(plain: "x https://a.com/end") == ["https://a.com/end"])
        #expect(LinkFixture.urls(plain: "https://a.com/end\r\n") == ["https://a.com/end"])
    }

    @Test func crlfLines() {
        let text = "new https://a.com/1\r\n\r\nOn Mon, Bob wrote:\r\n\r\n> https://a.com/2\r\n"
        let regions = LinkFixture.regions(LinkFixture.links(plain: text))
        #expect(regions["https://a.com/1"] == .newText)
        #expect(regions["https://a.com/2"] == .quoted)
    }
}
