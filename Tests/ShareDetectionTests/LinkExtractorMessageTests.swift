import MailParsing
import Testing

@testable import ShareDetection

@Suite struct LinkExtractorMessageTests {
    @Test func alternativesAreOneLinkPreferringHTML() throws {
        let message = LinkFixture.message(
            subject: "deck",
            LinkFixture.plain("Deck: https://a.com/deck?a=1&b=2\n", path: "1.1"),
            LinkFixture.html(#"<p>Deck: <a href="https://a.com/deck?a=1&amp;b=2">Q3 deck</a></p>"#, path: "1.2"))
        let links = LinkExtractor().links(in: message)
        #expect(links.count == 1)
        let link = try #require(links.first)
        #expect(link.anchorText == "Q3 deck")
        #expect(link.partKind == .html)
        #expect(link.partPath == "1.2")
        #expect(link.region == .newText)
    }

    @Test func aMarkerInEitherAlternativeBeatsNewText() throws {
        // The HTML quotes the link (blockquote type=cite), the plain text shows it unmarked: one link, quoted,
        // HTML anchor text kept. (A reply: in a fresh message a quote element is the sender's own.)
        let quotedInHTML = LinkFixture.message(
            subject: "Re: deck",
            LinkFixture.plain("Deck: https://a.com/deck\n", path: "1.1"),
            LinkFixture.html(
                #"<blockquote type="cite"><a href="https://a.com/deck">Deck</a></blockquote>"#, path: "1.2"))
        let links = LinkExtractor().links(in: quotedInHTML)
        #expect(links.count == 1)
        let link = try #require(links.first)
        #expect(link.region == .quoted)
        #expect(link.anchorText == "Deck")
        // The reverse: HTML quoting with "&gt;" text (no quote element) but '>' lines in the plain text.
        let quotedInPlain = LinkFixture.message(
            subject: "Re: deck",
            LinkFixture.plain("Thanks!\n\n> see https://a.com/deck\n", path: "1.1"),
            LinkFixture.html(#"<p>Thanks!</p><p>&gt; see <a href="https://a.com/deck">deck</a></p>"#, path: "1.2"))
        let reverse = try #require(LinkExtractor().links(in: quotedInPlain).first)
        #expect(reverse.region == .quoted)
        #expect(reverse.regionReason.hasPrefix("quoted in the text/plain alternative (part 1.1)"))
        #expect(reverse.anchorText == "deck")
    }

    @Test func aLaterMeaningfulAnchorNamesARepeatedLink() throws {
        let html = #"""
            <p><a href="https://a.com/doc">https://a.com/doc</a> and again the <a href="https://a.com/doc">Q3 deck</a></p>
            """#
        let links = LinkExtractor().links(in: LinkFixture.html(html, path: "1"), subject: nil)
        #expect(links.count == 1)
        #expect(links.first?.anchorText == "Q3 deck")
        let again = try #require(html.utf8.firstRange(of: "again".utf8))
        #expect(
            (links.first?.byteOffset ?? .max) < html.utf8.distance(from: html.utf8.startIndex, to: again.lowerBound))
    }

    @Test func oncePerRegionAcrossAlternatives() {
        let plain = "New https://a.com/x\n\nOn Mon, Bob wrote:\n> https://a.com/x\n> https://a.com/y\n"
        let html = """
            <div>New <a href="https://a.com/x">x</a></div><div class="gmail_quote">\
            <blockquote class="gmail_quote"><a href="https://a.com/x">x</a> <a href="https://a.com/y">y</a></blockquote></div>
            """
        let links = LinkExtractor().links(
            in: LinkFixture.message(
                subject: "Re: x", LinkFixture.plain(plain, path: "1"), LinkFixture.html(html, path: "2")))
        #expect(links.map(\.url) == ["https://a.com/x", "https://a.com/x", "https://a.com/y"])
        #expect(links.map(\.region) == [.newText, .quoted, .quoted])
        #expect(links.allSatisfy { $0.partKind == .html })
    }

    @Test func urlOnlyInPlainTextIsKept() {
        let links = LinkExtractor().links(
            in: LinkFixture.message(
                subject: nil, LinkFixture.plain("https://a.com/only-plain"), LinkFixture.html("<p>nothing</p>")))
        #expect(links.map(\.url) == ["https://a.com/only-plain"])
        #expect(links.first?.partKind == .plain)
    }

    @Test func attachedMessageIsForwarded() {
        let message = LinkFixture.message(
            subject: "Fwd: deck",
            LinkFixture.plain("See attached\n", path: "1"),
            LinkFixture.plain("Deck https://a.com/fwd\n> old https://a.com/old\n", path: "2.1", attached: true),
            LinkFixture.html(#"<a href="https://a.com/fwd">Deck</a>"#, path: "2.2", attached: true))
        let links = LinkExtractor().links(in: message)
        #expect(LinkFixture.regions(links) == ["https://a.com/fwd": .forwarded, "https://a.com/old": .quoted])
        #expect(links.first { $0.url == "https://a.com/fwd" }?.regionReason == "in attached message/rfc822")
        #expect(links.first { $0.url == "https://a.com/fwd" }?.anchorText == "Deck")
        #expect(
            links.first { $0.url == "https://a.com/old" }?.regionReason.hasSuffix(" in attached message/rfc822") == true
        )
    }

    @Test func sameURLInOuterAndAttachedMessageIsTwoLinks() {
        let message = LinkFixture.message(
            subject: "Fwd: deck",
            LinkFixture.plain("Deck https://a.com/x\n", path: "1"),
            LinkFixture.plain("Deck https://a.com/x\n", path: "2", attached: true))
        #expect(LinkExtractor().links(in: message).map(\.region) == [.newText, .forwarded])
    }

    @Test func resultIsInPartThenByteOrder() {
        let message = LinkFixture.message(
            subject: nil,
            LinkFixture.html(#"<a href="https://a.com/2">b</a> <a href="https://a.com/1">a</a>"#, path: "1"),
            LinkFixture.plain("https://a.com/0", path: "2"))
        #expect(
            LinkExtractor().links(in: message).map(\.url) == ["https://a.com/2", "https://a.com/1", "https://a.com/0"])
    }

    @Test func parsedMultipartMessage() throws {
        let raw = """
            From: Alice <alice@northwind.example>\r
            To: Bob <bob@contoso.example>\r
            Subject: Re: proposal\r
            Message-ID: <m1@northwind.example>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/alternative; boundary="b1"\r
            \r
            --b1\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Proposal: https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit?usp=3Dsharing\r
            \r
            On Mon, Jan 1, 2024 at 10:00 AM Bob <bob@contoso.example> wrote:\r
            \r
            > Old: https://docs.google.com/spreadsheets/d/1ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210/edit\r
            --b1\r
            Content-Type: text/html; charset=utf-8\r
            \r
            <div>Proposal: <a href="https://docs.google.com/document/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit?usp=sharing">the proposal</a></div>\r
            <div class="gmail_quote"><blockquote class="gmail_quote"><a href="https://docs.google.com/spreadsheets/d/1ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210/edit">sheet</a></blockquote></div>\r
            --b1--\r

            """
        let message = try MailParser().parse(Array(raw.utf8))
        let links = LinkExtractor().links(in: message)
        #expect(links.count == 2)
        #expect(links.first?.anchorText == "the proposal")
        #expect(links.first?.region == .newText)
        #expect(links.first?.url.hasSuffix("/edit?usp=sharing") == true)
        #expect(links.last?.region == .quoted)
    }
}
