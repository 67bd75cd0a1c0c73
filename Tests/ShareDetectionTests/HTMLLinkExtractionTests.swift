import MailParsing
import Testing

@testable import ShareDetection

@Suite struct HTMLLinkExtractionTests {
    /// (HTML, expected URL, expected anchor text).
    static let anchorTable: [(String, String, String?)] = [
        (#"<a href="https://a.com/x">Doc</a>"#, "https://a.com/x", "Doc"),
        (#"<a href='https://a.com/x'>Doc</a>"#, "https://a.com/x", "Doc"),
        (#"<a href=https://a.com/x>Doc</a>"#, "https://a.com/x", "Doc"),
        (#"<A HREF="https://a.com/x">Doc</A>"#, "https://a.com/x", "Doc"),
        (#"<a class="c" Href = "https://a.com/x" target=_blank>Doc</a>"#, "https://a.com/x", "Doc"),
        (#"<a href="https://a.com/x?a=1&amp;b=2">Doc</a>"#, "https://a.com/x?a=1&b=2", "Doc"),
        (#"<a href="https://a.com/x?a=1&#38;b=2">Doc</a>"#, "https://a.com/x?a=1&b=2", "Doc"),
        (#"<a href="https://a.com/x?a=1&#x26;b=2">Doc</a>"#, "https://a.com/x?a=1&b=2", "Doc"),
        (#"<a href="https://a.com/x?a=1&amp;copy=2">Doc</a>"#, "https://a.com/x?a=1&copy=2", "Doc"),
        (#"<a href="https://a.com/%20x">Doc</a>"#, "https://a.com/%20x", "Doc"),
        ("<a href=\" https://a.com/x\n/y \">Doc</a>", "https://a.com/x/y", "Doc"),
        (#"<a title="a>b" href="https://a.com/x">Doc</a>"#, "https://a.com/x", "Doc"),
        (
            "<a href=\"https://a.com/x\"><b>Q3</b>&nbsp;<i>plan</i>\n   deck &amp; notes</a>", "https://a.com/x",
            "Q3 plan deck & notes"
        ),
        (#"<a href="https://a.com/x">Line<br>two</a>"#, "https://a.com/x", "Line two"),
        (#"<a href="https://a.com/x"><img src="https://img.com/logo.png"></a>"#, "https://a.com/x", nil),
        (#"<a href="https://a.com/x">   </a>"#, "https://a.com/x", nil),
        (#"<a href="https://a.com/x">&lt;b&gt; &quot;q&quot; &apos;s&apos;</a>"#, "https://a.com/x", "<b> \"q\" 's'"),
        (#"<a href="https://a.com/x">unclosed"#, "https://a.com/x", "unclosed"),
        (#"<a href="HTTPS://A.COM/X">Doc</a>"#, "HTTPS://A.COM/X", "Doc"),
    ]

    @Test(arguments: anchorTable)
    func anchors(html: String, url: String, anchor: String?) throws {
        let links = LinkFixture.links(html: html)
        #expect(links.count == 1)
        let link = try #require(links.first)
        #expect(link.url == url)
        #expect(link.anchorText == anchor)
        #expect(link.partKind == .html)
    }

    @Test(arguments: [
        #"<a href="mailto:bob@x.com">Bob</a>"#, #"<a href="tel:+15551234">call</a>"#,
        #"<a href="cid:image001.png@01D">i</a>"#, #"<a href="javascript:alert(1)">x</a>"#,
        #"<a href="ftp://a.com/x">x</a>"#, #"<a href="//a.com/x">x</a>"#, ##"<a href="#top">x</a>"##,
        #"<a href="https://">x</a>"#, #"<a name="x">x</a>"#, #"<img src="https://a.com/p.png">"#,
        #"<script>var u = "https://a.com/x";</script>"#, #"<style>@import url(https://a.com/x.css);</style>"#,
        #"<SCRIPT type="text/javascript">https://a.com/x</SCRIPT >"#, "<!-- https://a.com/x -->",
        "<!--[if mso]><a href=\"https://a.com/x\">x</a><![endif]-->", "<title>https://a.com/x</title>",
    ])
    func skipped(html: String) {
        #expect(LinkFixture.urls(html: html).isEmpty)
    }

    @Test func hrefOffsetPointsAtTheURL() throws {
        let html = #"<p>x</p><a href="https://a.com/x">Doc</a>"#
        let link = try #require(LinkFixture.links(html: html).first)
        let bytes = Array(html.utf8)
        #expect(Array(bytes[link.byteOffset..<link.byteOffset + 15]) == Array("https://a.com/x".utf8))
    }

    @Test func bareURLsInTextNodes() {
        let html = "<p>See https://a.com/?a=1&amp;b=2 and &lt;https://b.com/y&gt; or (https://c.com/z).</p>"
        #expect(LinkFixture.urls(html: html) == ["https://a.com/?a=1&b=2", "https://b.com/y", "https://c.com/z"])
        #expect(LinkFixture.links(html: html).allSatisfy { $0.anchorText == nil })
    }

    @Test func bareURLEndsAtNbspEntity() {
        #expect(LinkFixture.urls(html: "<p>https://a.com/x&nbsp;next</p>") == ["https://a.com/x"])
        #expect(LinkFixture.urls(html: "<p>https://a.com/x&quot;</p>") == ["https://a.com/x"])
    }

    @Test func urlAsAnchorTextIsOneLink() throws {
        let links = LinkFixture.links(html: #"<a href="https://a.com/x">https://a.com/x</a>"#)
        #expect(links.count == 1)
        #expect(links.first?.anchorText == "https://a.com/x")
    }

    @Test func bareURLInsideMailtoAnchorIsSkipped() {
        #expect(LinkFixture.urls(html: #"<a href="mailto:x@y.com">https://a.com/x</a>"#).isEmpty)
    }

    @Test func nestedAnchorClosesThePreviousOne() {
        let links = LinkFixture.links(html: #"<a href="https://a.com/1">one<a href="https://a.com/2">two</a>"#)
        #expect(links.map(\.url) == ["https://a.com/1", "https://a.com/2"])
        #expect(links.map(\.anchorText) == ["one", "two"])
    }

    @Test func textAfterScriptIsScanned() {
        let html = "<script>if (a < b) { x = '</scr' + 'ipt>'; }</script><p>https://a.com/after</p>"
        #expect(LinkFixture.urls(html: html).contains("https://a.com/after"))
    }

    @Test func literalLessThanIsText() {
        #expect(LinkFixture.urls(html: "<p>1 < 2 https://a.com/x</p>") == ["https://a.com/x"])
    }

    @Test func entitiesDecoding() {
        func decode(_ s: String) -> String {
            var out: [UInt8] = []
            let bytes = Array(s.utf8)
            bytes.withUnsafeBufferPointer { HTMLEntities.appendDecoded($0, from: 0, to: $0.count, into: &out) }
            return String(decoding: out, as: UTF8.self)
        }
        #expect(decode("a&amp;b&lt;&gt;&quot;&apos;") == "a&b<>\"'")
        #expect(decode("&#38;&#x26;&#X26;&#160;") == "&&&\u{A0}")
        #expect(decode("&nbsp;&hellip;&rsquo;") == "\u{A0}…\u{2019}")
        #expect(decode("&amp") == "&")
        #expect(decode("&amp=1") == "&amp=1")
        #expect(decode("&unknown; & &; &#; &#xZZ;") == "&unknown; & &; &#; &#xZZ;")
        #expect(decode("&#0;&#xD800;&#x110000;&#99999999999;") == "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}999;")
    }
}
