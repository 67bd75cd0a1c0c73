import MailParsing
import Testing

@testable import ShareDetection

/// The text/plain and text/html alternatives of one message must place each link in the same region.
@Suite struct RegionConsistencyTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var subject: String
        var plain: String
        var html: String
        var expected: [String: LinkRegion]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "Gmail reply", subject: "Re: deck",
            plain: """
                Here: https://a.com/new

                On Mon, Jan 1, 2024 at 10:00 AM Bob <bob@example.com> wrote:

                > Old https://a.com/old
                """,
            html: RegionHTMLTests.gmailReply.replacingOccurrences(of: " https://a.com/old-bare", with: ""),
            expected: ["https://a.com/new": .newText, "https://a.com/old": .quoted]),
        Case(
            name: "Gmail forward", subject: "Fwd: deck",
            plain: RegionPlainTextTests.gmailForward, html: RegionHTMLTests.gmailForward,
            expected: ["https://a.com/new": .newText, "https://a.com/fwd": .forwarded, "https://a.com/old": .quoted]),
        Case(
            name: "Outlook reply", subject: "RE: deck",
            plain: RegionPlainTextTests.outlookHeader.replacingOccurrences(of: "Older text", with: "Old"),
            html: RegionHTMLTests.outlookDesktop,
            expected: ["https://a.com/new": .newText, "https://a.com/old": .quoted]),
        Case(
            name: "Outlook forward", subject: "FW: deck",
            plain: RegionPlainTextTests.outlookHeader, html: RegionHTMLTests.owaReply,
            expected: ["https://a.com/new": .newText, "https://a.com/old": .forwarded]),
        Case(
            name: "Gmail signature", subject: "deck",
            plain: "Here https://a.com/new\n\n-- \nBob | https://a.com/sig\n",
            html: """
                <div dir="ltr">Here <a href="https://a.com/new">n</a><br clear="all"><div><br></div>\
                <span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature" \
                data-smartmail="gmail_signature">Bob | <a href="https://a.com/sig">site</a></div></div>
                """,
            expected: ["https://a.com/new": .newText, "https://a.com/sig": .signature]),
        Case(
            name: "Apple forward", subject: "Fwd: deck",
            plain:
                "See below https://a.com/new\n\nBegin forwarded message:\n\nFrom: Bob\nSubject: deck\n\nhttps://a.com/fwd\n",
            html: """
                <div>See below <a href="https://a.com/new">n</a><blockquote type="cite"><div>Begin forwarded message:</div>\
                <div><b>From: </b>Bob</div><div><b>Subject: </b>deck</div><a href="https://a.com/fwd">f</a></blockquote></div>
                """,
            expected: ["https://a.com/new": .newText, "https://a.com/fwd": .forwarded]),
        Case(
            name: "Google Groups footer", subject: "[x] news",
            plain:
                "new https://a.com/new\n\n-- \nYou received this message because you are subscribed to the Google Groups \"x\" group.\nTo view this discussion visit https://groups.google.com/d/msgid/x/abc.\n",
            html: RegionHTMLTests.googleGroupsFooterHTMLText,
            expected: ["https://a.com/new": .newText, "https://groups.google.com/d/msgid/x/abc": .boilerplate]),
    ]

    @Test(arguments: cases)
    func plainAndHTMLAgree(testCase: Case) {
        let extractor = LinkExtractor()
        let plain = extractor.links(in: LinkFixture.plain(testCase.plain), subject: testCase.subject)
        let html = extractor.links(in: LinkFixture.html(testCase.html), subject: testCase.subject)
        #expect(LinkFixture.regions(plain) == testCase.expected, "text/plain")
        #expect(LinkFixture.regions(html) == testCase.expected, "text/html")
    }
}

extension RegionHTMLTests {
    static let googleGroupsFooterHTMLText = """
        <div>new <a href="https://a.com/new">n</a></div><p></p>-- <br>You received this message because you are \
        subscribed to the Google Groups &quot;x&quot; group.<br>To view this discussion visit \
        <a href="https://groups.google.com/d/msgid/x/abc">https://groups.google.com/d/msgid/x/abc</a>.<br>
        """
}
