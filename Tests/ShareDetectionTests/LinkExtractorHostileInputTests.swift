import MailParsing
import Testing

@testable import ShareDetection

/// Hostile and degenerate input: never crash, never hang, bounded output.
@Suite struct LinkExtractorHostileInputTests {
    private static let megabytes3 = 3 << 20

    private func both(_ bytes: [UInt8]) -> (plain: [ExtractedLink], html: [ExtractedLink]) {
        let extractor = LinkExtractor()
        let plain = BodyPart(kind: .plain, path: "1", charset: nil, utf8: bytes, isInAttachedMessage: false)
        let html = BodyPart(kind: .html, path: "2", charset: nil, utf8: bytes, isInAttachedMessage: false)
        return (extractor.links(in: plain, subject: "Re: x"), extractor.links(in: html, subject: "Fwd: x"))
    }

    @Test func emptyAndTinyParts() {
        for text in [
            "", "h", "http", "http:", "http:/", "http://", "<", "<a", "<a href", "<a href=", "&", "&#", "&#x", ">",
            "\n", "--", "On",
        ] {
            let (plain, html) = both(Array(text.utf8))
            #expect(plain.isEmpty)
            #expect(html.isEmpty)
        }
    }

    @Test func threeMegabyteSingleLineWithURLAtTheEnd() {
        var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: Self.megabytes3)
        bytes += Array(" https://a.com/end".utf8)
        let (plain, html) = both(bytes)
        #expect(plain.map(\.url) == ["https://a.com/end"])
        #expect(html.map(\.url) == ["https://a.com/end"])
    }

    @Test func nulBytesAndControlCharacters() {
        var bytes: [UInt8] = Array("x https://a.com/a".utf8) + [0] + Array("b https://b.com/\u{1}c".utf8)
        bytes += [0, 0, 0xFF, 0xFE, 0x80] + Array(" https://c.com/d\u{7F}".utf8)
        let (plain, html) = both(bytes)
        #expect(plain.map(\.url) == ["https://a.com/a", "https://b.com/", "https://c.com/d"])
        #expect(html.map(\.url) == ["https://a.com/a", "https://b.com/", "https://c.com/d"])
    }

    @Test func invalidUTF8InsideURLIsRepaired() {
        let bytes: [UInt8] = Array("https://a.com/".utf8) + [0xC3, 0x28, 0xFF] + Array("x".utf8)
        let (plain, _) = both(bytes)
        #expect(plain.count == 1)
        #expect(plain.first?.url.hasPrefix("https://a.com/") == true)
    }

    @Test func unclosedConstructsRunToTheEnd() {
        for html in [
            #"<a href="https://a.com/x"#, "<!-- https://a.com/x", "<script>https://a.com/x", "<style>",
            #"<div class="gmail_quote"#, "<a href='https://a.com/x' title='", "</", "<!", "<?xml",
            "<![CDATA[ https://a.com/x", "<a href=\"https://a.com/x\">" + String(repeating: "<b>", count: 10000),
        ] {
            let links = LinkFixture.links(html: html)
            #expect(links.count <= 1)
        }
        #expect(LinkFixture.urls(html: #"<a href="https://a.com/x"#).isEmpty)
    }

    @Test func deepNestingIsBounded() {
        let open = String(repeating: #"<div class="gmail_quote"><blockquote type="cite">"#, count: 50_000)
        let html =
            open + #"<a href="https://a.com/deep">x</a>"# + String(repeating: "</blockquote></div>", count: 50_000)
            + #"<a href="https://a.com/after">y</a>"#
        let links = LinkFixture.links(html: html)
        #expect(LinkFixture.regions(links) == ["https://a.com/deep": .quoted, "https://a.com/after": .newText])
    }

    @Test func manyEndTagsAndTags() {
        let html = #"<div class="gmail_quote">"# + String(repeating: "</div><div>", count: 200_000) + "https://a.com/x"
        #expect(LinkFixture.links(html: html).count == 1)
        let tags = String(repeating: "<p a=1 b='2' c=\"3\" d>", count: 100_000) + "https://a.com/y"
        #expect(LinkFixture.urls(html: tags) == ["https://a.com/y"])
    }

    @Test func linksPerPartAreBounded() {
        var text = ""
        for i in 0..<5000 { text += "https://a.com/\(i) " }
        let (plain, html) = both(Array(text.utf8))
        #expect(plain.count == 2000)
        #expect(html.count == 2000)
        var anchors = ""
        for i in 0..<5000 { anchors += #"<a href="https://a.com/\#(i)">\#(i)</a>"# }
        #expect(LinkFixture.links(html: anchors).count == 2000)
    }

    @Test func sameURLRepeatedIsOneLink() {
        let text = String(repeating: "https://a.com/x ", count: 200_000)
        let (plain, html) = both(Array(text.utf8))
        #expect(plain.count == 1)
        #expect(html.count == 1)
    }

    @Test func overlongURLsAreSkipped() {
        let long = "https://a.com/" + String(repeating: "x", count: 9000)
        #expect(LinkFixture.urls(plain: long + " https://b.com/ok") == ["https://b.com/ok"])
        #expect(LinkFixture.urls(html: #"<a href="\#(long)">x</a> https://b.com/ok"#) == ["https://b.com/ok"])
        let justRight = "https://a.com/" + String(repeating: "x", count: 8000)
        #expect(LinkFixture.urls(plain: justRight) == [justRight])
    }

    @Test func pathologicalTrailingPunctuationAndParens() {
        let text = "https://a.com/" + String(repeating: ")", count: 100_000) + String(repeating: ".", count: 100_000)
        #expect(LinkFixture.urls(plain: text) == ["https://a.com/"])
        let nested = "https://a.com/" + String(repeating: "(", count: 1000) + String(repeating: ")", count: 1001)
        #expect(LinkFixture.urls(plain: nested).first?.count == 14 + 2000)
    }

    @Test func manyMarkerLines() {
        let lines = [
            "> q https://a.com/q", "On x wrote:", "From: a", "Sent: b", "To: c", "-- ", "Begin forwarded message:",
            "________________________________", "-----Original Message-----",
            "You received this message because you are subscribed to",
            "", "On Mon", "Bob wrote:",
        ]
        var text = ""
        for i in 0..<60_000 { text += lines[i % lines.count] + "\n" }
        let (plain, html) = both(Array(text.utf8))
        #expect(plain.count <= 5)
        #expect(html.count <= 5)
    }

    @Test func manyAmpersandsAndEntities() {
        let text = "https://a.com/?" + String(repeating: "&amp;&#x26;&bogus;&", count: 100_000) + " x"
        let (plain, html) = both(Array(text.utf8))
        #expect(plain.isEmpty)  // longer than 8 KB
        #expect(html.isEmpty)
    }

    @Test func randomBytesNeverCrash() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let alphabet = Array("<>/=\"' \n\r\t&#;:-_.()[]>abhtpsHTP!?ABdivquotegmail_quoteblockquote href".utf8)
        for round in 0..<200 {
            let count = Int(next() % 4000)
            var bytes = [UInt8]()
            bytes.reserveCapacity(count)
            for _ in 0..<count {
                let r = next()
                bytes.append(
                    r % 4 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : alphabet[Int((r >> 8) % UInt64(alphabet.count))])
            }
            if round % 3 == 0 { bytes += Array("http://x.com/(".utf8) }
            let (plain, html) = both(bytes)
            for link in plain + html {
                #expect(link.byteOffset >= 0 && link.byteOffset < bytes.count)
                #expect(link.url.lowercased().hasPrefix("http"))
            }
        }
    }

    @Test func largeTypicalBodyIsFast() {
        let paragraph =
            "Hi team, here is the latest deck https://docs.google.com/presentation/d/1AbCdEfGhIjKlMnOpQrStUv/edit and notes: "
            + "we met on Monday at 10:00, agenda: pricing, timeline; follow-up (see attached).\n> quoted line\n"
        let text = String(repeating: paragraph, count: 40_000)  // ~8 MB
        let clock = ContinuousClock()
        let elapsed = clock.measure { _ = LinkFixture.links(plain: text) }
        #expect(elapsed < .seconds(10))
    }
}
