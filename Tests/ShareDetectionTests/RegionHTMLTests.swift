import MailParsing
import Testing

@testable import ShareDetection

@Suite struct RegionHTMLTests {
    private func regions(_ html: String, subject: String? = "Re: deck") -> [String: LinkRegion] {
        LinkFixture.regions(LinkFixture.links(html: html, subject: subject))
    }

    private func reason(of url: String, in html: String, subject: String? = "Re: deck") -> String? {
        LinkFixture.links(html: html, subject: subject).first { $0.url == url }?.regionReason
    }

    static let gmailReply = """
        <div dir="ltr">Here: <a href="https://a.com/new">deck</a></div><br>\
        <div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Jan 1, 2024 at 10:00 AM Bob &lt;\
        <a href="mailto:bob@example.com">bob@example.com</a>&gt; wrote:<br></div>\
        <blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204)">\
        <div dir="ltr">Old <a href="https://a.com/old">link</a> https://a.com/old-bare</div></blockquote></div>
        """

    @Test func gmailReplyQuote() {
        #expect(
            regions(Self.gmailReply) == [
                "https://a.com/new": .newText, "https://a.com/old": .quoted, "https://a.com/old-bare": .quoted,
            ])
        #expect(
            reason(of: "https://a.com/old", in: Self.gmailReply)?.hasPrefix("inside <blockquote class=gmail_quote>")
                == true)
    }

    static let gmailForward = """
        <div dir="ltr">FYI <a href="https://a.com/new">x</a><br><br>\
        <div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>\
        From: <strong class="gmail_sendername" dir="auto">Bob</strong> <span dir="auto">&lt;bob@example.com&gt;</span><br>\
        Date: Mon, Jan 1, 2024 at 10:00 AM<br>Subject: deck<br>To: &lt;alice@example.com&gt;<br></div><br><br>\
        <div dir="ltr">The deck <a href="https://a.com/fwd">deck</a>\
        <div class="gmail_quote"><div class="gmail_attr">On Sun, Carol wrote:</div>\
        <blockquote class="gmail_quote"><a href="https://a.com/old">old</a></blockquote></div></div></div></div>
        """

    @Test(arguments: ["Fwd: deck", "deck"])
    func gmailForwardQuote(subject: String) {
        #expect(
            regions(Self.gmailForward, subject: subject) == [
                "https://a.com/new": .newText, "https://a.com/fwd": .forwarded, "https://a.com/old": .quoted,
            ])
        #expect(
            reason(of: "https://a.com/fwd", in: Self.gmailForward, subject: subject)?
                .contains("forwarded-message marker") == true)
    }

    @Test func blockquoteTypeCite() {
        let html =
            #"<p>new <a href="https://a.com/new">n</a></p><blockquote type="cite"><a href="https://a.com/old">o</a></blockquote><p>after https://a.com/after</p>"#
        #expect(
            regions(html) == [
                "https://a.com/new": .newText, "https://a.com/old": .quoted, "https://a.com/after": .newText,
            ])
    }

    @Test func indentBlockquoteIsNotAQuote() {
        let html =
            #"<blockquote style="margin:0 0 0 40px;border:none;padding:0px"><a href="https://a.com/new">n</a></blockquote>"#
        #expect(regions(html) == ["https://a.com/new": .newText])
    }

    @Test func appleMailForwardInsideCite() {
        let html = """
            <div>See below <a href="https://a.com/new">n</a><br><div><br><blockquote type="cite">\
            <div>Begin forwarded message:</div><br class="Apple-interchange-newline">\
            <div style="margin-top: 0px;"><span><b>From: </b></span><span>Bob</span></div>\
            <div><a href="https://a.com/fwd">deck</a></div>\
            <blockquote type="cite"><a href="https://a.com/old">old</a></blockquote></blockquote></div></div>
            """
        #expect(
            regions(html, subject: "Fwd: deck") == [
                "https://a.com/new": .newText, "https://a.com/fwd": .forwarded, "https://a.com/old": .quoted,
            ])
    }

    static let owaReply = """
        <div id="divtagdefaultwrapper"><p>New <a href="https://a.com/new">n</a></p></div>\
        <div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">\
        <div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif"><b>From:</b> Bob<br>\
        <b>Sent:</b> Monday<br><b>To:</b> Alice<br><b>Subject:</b> deck</font></div>\
        <div><a href="https://a.com/old">old</a></div>
        """

    @Test func outlookWebReply() {
        #expect(
            regions(Self.owaReply, subject: "RE: deck") == [
                "https://a.com/new": .newText, "https://a.com/old": .quoted,
            ])
        #expect(
            regions(Self.owaReply, subject: "FW: deck") == [
                "https://a.com/new": .newText, "https://a.com/old": .forwarded,
            ])
        #expect(reason(of: "https://a.com/old", in: Self.owaReply)?.hasPrefix("after <div id=appendonsend>") == true)
    }

    @Test func outlookWebReplyWithPrefixedId() {
        let html =
            #"<p><a href="https://a.com/new">n</a></p><div id="x_divRplyFwdMsg"><b>From:</b> Bob</div><a href="https://a.com/old">o</a>"#
        #expect(regions(html) == ["https://a.com/new": .newText, "https://a.com/old": .quoted])
    }

    static let outlookDesktop = """
        <div class="WordSection1"><p class="MsoNormal">New <a href="https://a.com/new">n</a><o:p></o:p></p>\
        <div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">\
        <p class="MsoNormal"><b>From:</b> Bob Smith &lt;bob@example.com&gt;<br><b>Sent:</b> Monday, January 1, 2024 10:00 AM<br>\
        <b>To:</b> Alice<br><b>Subject:</b> deck<o:p></o:p></p></div></div>\
        <p class="MsoNormal">Old <a href="https://a.com/old">o</a></p></div>
        """

    @Test func outlookDesktopBorderTopHeader() {
        #expect(
            regions(Self.outlookDesktop, subject: "RE: deck") == [
                "https://a.com/new": .newText, "https://a.com/old": .quoted,
            ])
        #expect(
            regions(Self.outlookDesktop, subject: "FW: deck") == [
                "https://a.com/new": .newText, "https://a.com/old": .forwarded,
            ])
    }

    @Test func horizontalRuleWithoutHeaderIsNothing() {
        let html =
            #"<p>a</p><hr><p>From: the team, <a href="https://a.com/new">n</a></p><div style="border-top:1px solid red">x</div>"#
        #expect(regions(html) == ["https://a.com/new": .newText])
    }

    @Test func horizontalRuleHeaderReclassifiesLinksAlreadySeen() {
        let html =
            #"<hr><a href="https://a.com/h">n</a><p><b>From:</b> Bob<br><b>Date:</b> Mon<br><b>To:</b> A</p><a href="https://a.com/old">o</a>"#
        #expect(regions(html) == ["https://a.com/h": .quoted, "https://a.com/old": .quoted])
    }

    @Test func originalMessageText() {
        let html =
            #"<p><a href="https://a.com/new">n</a></p><div>-----Original Message-----<br>From: Bob<br><a href="https://a.com/old">o</a></div>"#
        #expect(regions(html) == ["https://a.com/new": .newText, "https://a.com/old": .quoted])
    }

    @Test(arguments: [
        #"<div class="gmail_signature" data-smartmail="gmail_signature">"#, #"<div data-smartmail="gmail_signature">"#,
        #"<div id="Signature">"#, #"<div class="moz-signature">"#, #"<pre class="moz-signature" cols="72">"#,
        #"<div class="x_gmail_signature">"#,
    ])
    func signatureElements(open: String) {
        let close = open.hasPrefix("<pre") ? "</pre>" : "</div>"
        let html =
            #"<div>new <a href="https://a.com/new">n</a></div>"# + open
            + #"<div>Bob <a href="https://a.com/sig">site</a></div>"# + close + "<div>PS https://a.com/ps</div>"
        #expect(
            regions(html) == [
                "https://a.com/new": .newText, "https://a.com/sig": .signature, "https://a.com/ps": .newText,
            ])
    }

    @Test func gmailSignaturePrefixText() {
        let html =
            #"<div>new https://a.com/new</div><br><span class="gmail_signature_prefix">-- </span><br><div>Bob https://a.com/sig</div>"#
        #expect(regions(html) == ["https://a.com/new": .newText, "https://a.com/sig": .signature])
    }

    @Test func thunderbirdReplyAndForward() {
        let reply = """
            <p>new <a href="https://a.com/new">n</a></p><div class="moz-cite-prefix">On 1/1/24 10:00, Bob wrote:<br></div>\
            <blockquote type="cite" cite="mid:x@y"><a href="https://a.com/old">o</a></blockquote>
            """
        #expect(regions(reply) == ["https://a.com/new": .newText, "https://a.com/old": .quoted])
        let forward = """
            <p>fyi</p><div class="moz-forward-container"><br>-------- Forwarded Message --------\
            <table class="moz-email-headers-table"><tr><th>Subject:</th><td>x</td></tr></table>\
            <a href="https://a.com/fwd">f</a></div>
            """
        #expect(regions(forward) == ["https://a.com/fwd": .forwarded])
    }

    @Test func googleGroupsFooterHTML() {
        #expect(
            regions(Self.googleGroupsFooterHTMLText) == [
                "https://a.com/new": .newText, "https://groups.google.com/d/msgid/x/abc": .boilerplate,
            ])
    }

    @Test func otherQuoteClasses() {
        for open in [
            #"<div class="yahoo_quoted">"#, #"<blockquote class="protonmail_quote">"#, #"<div class="x_gmail_quote">"#,
        ] {
            let close = open.hasPrefix("<blockquote") ? "</blockquote>" : "</div>"
            let html = open + #"<a href="https://a.com/old">o</a>"# + close + #"<a href="https://a.com/new">n</a>"#
            #expect(regions(html) == ["https://a.com/old": .quoted, "https://a.com/new": .newText])
        }
    }

    @Test func unclosedQuoteRunsToTheEnd() {
        let html = #"<div class="gmail_quote"><div><a href="https://a.com/old">o</a></div>"#
        #expect(regions(html) == ["https://a.com/old": .quoted])
    }

    @Test func strayEndTagsDoNotCloseQuotesEarly() {
        let html =
            #"</div></div><div class="gmail_quote"><div></div></blockquote><a href="https://a.com/old">o</a></div><a href="https://a.com/new">n</a>"#
        #expect(regions(html) == ["https://a.com/old": .quoted, "https://a.com/new": .newText])
    }
}
