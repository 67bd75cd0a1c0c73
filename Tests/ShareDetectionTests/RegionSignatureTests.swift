import MailParsing
import Testing

@testable import ShareDetection

/// Signatures without the `-- ` delimiter, forwards below a signature, and Gmail inline replies.
@Suite struct RegionSignatureTests {
    private func plain(_ text: String, subject: String? = "Deck") -> [String: LinkRegion] {
        LinkFixture.regions(LinkFixture.links(plain: text, subject: subject))
    }

    private func html(_ text: String, subject: String? = "Deck") -> [String: LinkRegion] {
        LinkFixture.regions(LinkFixture.links(html: text, subject: subject))
    }

    private func signOff(_ line: String) -> LineMarkers.SignOff? {
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { LineMarkers.signOffKind($0, 0, $0.count) }
    }

    private func isName(_ line: String) -> Bool {
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { LineMarkers.isNameLine($0, 0, $0.count) }
    }

    @Test func signOffLines() {
        for line in ["Best,", "Best regards,", "Kind regards", "  Thanks!", "Cheers", "Mit freundlichen Grüßen", "BR,"]
        {
            #expect(signOff(line) == .alone, "\(line)")
        }
        for line in ["Thanks, Omar", "Best -Omar", "Cheers, Anna"] {
            guard case .withName = signOff(line) else {
                Issue.record("\(line) is not a sign-off with a name")
                continue
            }
        }
        for line in [
            "Thanks for the call today", "Best practices are attached", "Regardless of the price", "Thanks: see below",
            "Bestellung", "Thanks, here is the deck we discussed", "Hi Julia,", "Cheers Anna",
        ] {
            #expect(signOff(line) == nil, "\(line)")
        }
    }

    @Test func nameLines() {
        for line in ["Omar Farouk", "Omar", "-O", "Anna van Dijk", "OF", "José Álvarez"] {
            #expect(isName(line), "\(line)")
        }
        for line in [
            "Here's the deck", "the proposal:", "https://a.com/x", "Can you check?", "see below for details now",
        ] {
            #expect(!isName(line), "\(line)")
        }
    }

    @Test func undelimitedPlainSignatureHidesItsLinks() {
        let text = """
            Hi Julia,

            Here is the proposal: https://a.com/proposal

            Best regards,
            Omar Farouk
            Account Executive | Northwind
            Our latest case study: https://a.com/case-study
            """
        #expect(plain(text) == ["https://a.com/proposal": .newText, "https://a.com/case-study": .signature])
    }

    @Test func aGreetingIsNotASignOff() {
        // "Thanks!" first, or followed by a sentence rather than a name: new text goes on.
        #expect(plain("Thanks!\nOmar sent this: https://a.com/one\n") == ["https://a.com/one": .newText])
        let text = "Hi Julia,\n\nThanks!\nHere's the deck https://a.com/two\n"
        #expect(plain(text) == ["https://a.com/two": .newText])
        let prose =
            "Hi,\n\nThanks Julia,\nI wanted to share the deck from our call today with you: https://a.com/three\n"
        #expect(plain(prose) == ["https://a.com/three": .newText])
    }

    @Test func postscriptResumesNewText() {
        let text = "Hi,\n\nAttached.\n\nThanks,\nOmar\n\nP.S. the pricing sheet: https://a.com/pricing\n"
        #expect(plain(text) == ["https://a.com/pricing": .newText])
    }

    @Test func mobileSignatureLine() {
        let text = "Deck: https://a.com/deck\n\nSent from my iPhone\nhttps://a.com/app-store\n"
        #expect(plain(text) == ["https://a.com/deck": .newText, "https://a.com/app-store": .signature])
    }

    @Test func forwardBelowAnUndelimitedSignatureIsForwarded() {
        let text = """
            Julia, see below.

            Best,
            Omar

            ---------- Forwarded message ---------
            From: Legal <legal@northwind.example>
            Subject: MSA

            The MSA: https://a.com/msa
            """
        #expect(plain(text, subject: "Fwd: MSA") == ["https://a.com/msa": .forwarded])
    }

    @Test func htmlUndelimitedSignatureAndPostscript() {
        let body = """
            <div>Hi Julia,</div><div>Here is the <a href="https://a.com/proposal">proposal</a>.</div>\
            <div>Best,</div><div>Omar Farouk</div><div>Our <a href="https://a.com/brochure">brochure</a></div>\
            <div>P.S. <a href="https://a.com/pricing">pricing</a></div>
            """
        #expect(
            html(body) == [
                "https://a.com/proposal": .newText, "https://a.com/brochure": .signature,
                "https://a.com/pricing": .newText,
            ])
    }

    @Test func htmlSignOffFollowedByALinkIsNotASignature() {
        let body = "<div>Hi,</div><div>Thanks!</div><div><a href=\"https://a.com/deck\">Deck</a></div>"
        #expect(html(body) == ["https://a.com/deck": .newText])
    }

    @Test func htmlGmailForwardBelowTheSignatureIsForwarded() {
        for signature in [
            "<div>Best,</div><div>Omar</div>",
            "<div>--<br></div><div>Omar Farouk</div>",
            "<div dir=\"ltr\" class=\"gmail_signature\" data-smartmail=\"gmail_signature\">Omar</div>",
        ] {
            let body = """
                <div dir="ltr">See below.</div>\(signature)<br><div class="gmail_quote"><div dir="ltr" \
                class="gmail_attr">---------- Forwarded message ---------<br>From: Legal</div><br>\
                <div>The <a href="https://a.com/msa">MSA</a></div></div>
                """
            #expect(html(body, subject: "Fwd: MSA") == ["https://a.com/msa": .forwarded], "\(signature)")
        }
    }

    @Test func htmlGmailInlineReplyIsNewTextBetweenTheBlockquotes() {
        let body = """
            <div dir="ltr">Answers inline.</div><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, \
            Jan 4, 2027 Julia wrote:<br></div><blockquote class="gmail_quote"><div>Old: \
            <a href="https://a.com/old">here</a></div></blockquote><div>Yes: <a href="https://a.com/answer1">overview\
            </a></div><blockquote class="gmail_quote"><div>Pricing? <a href="https://a.com/old2">x</a></div>\
            </blockquote><div>See <a href="https://a.com/answer2">pricing</a></div></div>
            """
        #expect(
            html(body, subject: "Re: Questions") == [
                "https://a.com/old": .quoted, "https://a.com/answer1": .newText, "https://a.com/old2": .quoted,
                "https://a.com/answer2": .newText,
            ])
    }

    @Test func htmlGmailQuoteWithoutInlineAnswersStaysQuoted() {
        let body = """
            <div>Top.</div><div class="gmail_quote"><div class="gmail_attr">On Mon Julia wrote:</div>\
            <blockquote class="gmail_quote"><div class="gmail_quote"><div>Older: <a href="https://a.com/older">x</a>\
            </div><blockquote class="gmail_quote">oldest</blockquote><a href="https://a.com/still-quoted">y</a></div>\
            </blockquote></div>
            """
        // Inside the outer blockquote, an older message's own inline answers are still quoted history.
        #expect(
            html(body, subject: "Re: x") == ["https://a.com/older": .quoted, "https://a.com/still-quoted": .quoted])
    }

    // MARK: - Thread context: fresh messages and marked comments

    private func regions(_ part: BodyPart, _ context: ThreadContext) -> [String: LinkRegion] {
        var defects: [ParseDefect] = []
        return LinkFixture.regions(LinkExtractor().links(in: part, context: context, defects: &defects))
    }

    @Test func threadContextOfAMessage() {
        var message = MailMessage()
        message.subject = "Security overview"
        message.from = [MailAddress(name: "Farouk, Omar", address: "omar@northwind.example")]
        let fresh = ThreadContext(message: message)
        #expect(fresh.isFresh && !fresh.forwardSubject)
        #expect(Set(fresh.commentMarks.map { String(decoding: $0, as: UTF8.self) }) == ["omar farouk", "omar", "of"])
        message.subject = "AW: Security overview"
        #expect(!ThreadContext(message: message).isFresh)
        message.subject = "Security overview"
        message.inReplyTo = ["<a@b>"]
        #expect(!ThreadContext(message: message).isFresh)
        message.inReplyTo = []
        message.subject = "Fwd: Security overview"
        #expect(!ThreadContext(message: message).isFresh && ThreadContext(message: message).forwardSubject)
        #expect(ThreadContext.commentMarks(of: "O") == [])
    }

    @Test func aFreshMessagesOwnQuoteIsNewText() {
        let text = "Your requirement:\n\n> SOC 2 report, see https://a.com/req\n\nOur answer: https://a.com/answer\n"
        let fresh = ThreadContext(isFresh: true)
        #expect(
            regions(LinkFixture.plain(text), fresh) == [
                "https://a.com/req": .newText, "https://a.com/answer": .newText,
            ])
        #expect(
            regions(LinkFixture.plain(text), ThreadContext()) == [
                "https://a.com/req": .quoted, "https://a.com/answer": .newText,
            ])
        // An attribution makes the '>' lines someone else's even without Re: or In-Reply-To.
        let pasted = "See below.\n\nOn Mon, Jan 4, 2027 Julia wrote:\n> old https://a.com/old\n"
        #expect(regions(LinkFixture.plain(pasted), fresh) == ["https://a.com/old": .quoted])
        let html = #"<div>Req:</div><blockquote type="cite">see <a href="https://a.com/req">x</a></blockquote>"#
        #expect(regions(LinkFixture.html(html), fresh) == ["https://a.com/req": .newText])
        #expect(regions(LinkFixture.html(html), ThreadContext()) == ["https://a.com/req": .quoted])
    }

    @Test func markedInlineCommentsInAnOutlookReplyAreNewText() {
        let context = ThreadContext(senderName: "Omar Farouk")
        let plain = """
            See my comments below.

            -----Original Message-----
            From: Julia Roberts <julia@contoso.example>
            Sent: Monday, January 4, 2027 9:00 AM
            To: Omar Farouk <omar@northwind.example>
            Subject: Questions

            1. Do you have a security overview? Ours: https://a.com/theirs
            [Omar Farouk] Yes, here it is:
            https://a.com/answer

            2. [Unrelated] bracket https://a.com/other
            """
        #expect(
            regions(LinkFixture.plain(plain), context) == [
                "https://a.com/theirs": .quoted, "https://a.com/answer": .newText, "https://a.com/other": .quoted,
            ])
        #expect(regions(LinkFixture.plain(plain), ThreadContext())["https://a.com/answer"] == .quoted)
        let html = """
            <p>See below.</p><div id="divRplyFwdMsg"><b>From:</b> Julia</div><p class=MsoNormal>Old \
            <a href="https://a.com/theirs">x</a></p><p class=MsoNormal><b><i><span style='color:#C00000'>[OF]</span></i>\
            </b><span style='color:#C00000'> Yes: <a href="https://a.com/answer">overview</a></span></p>\
            <p class=MsoNormal>Next <a href="https://a.com/later">y</a></p>
            """
        #expect(
            regions(LinkFixture.html(html), context) == [
                "https://a.com/theirs": .quoted, "https://a.com/answer": .newText, "https://a.com/later": .quoted,
            ])
    }

    @Test func aQuotedBlockEndsTheSignatureAboveIt() {
        let text = "Answers between the quotes.\n\nSent from my iPhone\n\n> Q1?\nA1: https://a.com/a1\n"
        #expect(plain(text, subject: "Re: Q") == ["https://a.com/a1": .newText])
        let html = """
            <div>Answers.</div><div>Sent from my iPhone</div><blockquote type="cite">Q1?</blockquote>\
            <div>A1: <a href="https://a.com/a1">a1</a></div>
            """
        #expect(self.html(html, subject: "Re: Q") == ["https://a.com/a1": .newText])
    }

    @Test func outlookSignatureMarkers() {
        let autoSig = """
            <p class=MsoNormal>Deck: <a href="https://a.com/deck">deck</a></p><p class=MsoNormal>\
            <a name="_MailAutoSig"><span>Kind regards</span></a></p><p class=MsoNormal><span style='mso-bookmark:\
            _MailAutoSig'>Brochure: <a href="https://a.com/brochure">b</a></span></p>
            """
        #expect(html(autoSig) == ["https://a.com/deck": .newText, "https://a.com/brochure": .signature])
        let mobile = """
            <div>Deck: <a href="https://a.com/deck">deck</a></div><div id="ms-outlook-mobile-signature">Omar \
            <a href="https://a.com/brochure">b</a></div>
            """
        #expect(html(mobile) == ["https://a.com/deck": .newText, "https://a.com/brochure": .signature])
    }

    // MARK: - Review cases: greetings are not signatures, older comments stay quoted

    @Test func aSignatureNamesTheSender() {
        let omar = ThreadContext(senderName: "Omar Farouk")
        let cases: [(String, LinkRegion)] = [
            ("Hi Bob,\n\nThanks, great call!\nHere is the deck: https://a.com/deck\n", .newText),
            ("Hi Bob,\n\nThanks, Bob!\nHere's the deck: https://a.com/deck\n", .newText),
            ("Hi Bob,\n\nBest-practices guide\nhttps://a.com/deck\n", .newText),
            ("Hi Bob,\n\nThanks!\nProposal\nhttps://a.com/deck\n", .newText),
            ("Hi Bob,\n\nAttached.\n\nBest,\nOmar\nhttps://a.com/deck\n", .signature),
            ("Hi Bob,\n\nAttached.\n\nThanks, Omar\nAccount Executive\nhttps://a.com/deck\n", .signature),
            ("Hi Bob,\n\nAttached.\n\nKind regards,\nO. Farouk | Northwind\nhttps://a.com/deck\n", .signature),
        ]
        for (text, region) in cases {
            #expect(regions(LinkFixture.plain(text), omar) == ["https://a.com/deck": region], "\(text)")
        }
        let html: [(String, LinkRegion)] = [
            (
                #"<div>Hi,</div><div>Thanks, <b>Bob</b>! The deck is <a href="https://a.com/deck">here</a></div>"#,
                .newText
            ),
            (
                #"<div>Hi,</div><div>Thanks!</div><div><b>Proposal</b></div><a href="https://a.com/deck">x</a>"#,
                .newText
            ),
            (
                #"<div>Hi,</div><div>Best,</div><div>Omar</div><div><a href="https://a.com/deck">x</a></div>"#,
                .signature
            ),
            (#"<div>Hi,</div><div>Cheers, Omar</div><div><a href="https://a.com/deck">x</a></div>"#, .signature),
        ]
        for (text, region) in html {
            #expect(regions(LinkFixture.html(text), omar) == ["https://a.com/deck": region], "\(text)")
        }
    }

    @Test func commentsInOlderQuotedMessagesStayQuoted() {
        let omar = ThreadContext(senderName: "Omar Farouk")
        let plain = """
            See inline.

            -----Original Message-----
            From: Julia Roberts <julia@contoso.example>
            Sent: Monday, January 4, 2027 9:00 AM
            To: Omar Farouk <omar@northwind.example>
            Subject: RE: Contract

            Can you send the contract?
            [Omar] Here: https://a.com/contract

            -----Original Message-----
            From: Omar Farouk <omar@northwind.example>
            Sent: Friday, January 1, 2027 9:00 AM
            To: Julia Roberts <julia@contoso.example>
            Subject: Contract

            [Julia] old note https://a.com/old-julia
            [Omar] old answer https://a.com/old-omar
            """
        #expect(
            regions(LinkFixture.plain(plain), omar) == [
                "https://a.com/contract": .newText, "https://a.com/old-julia": .quoted,
                "https://a.com/old-omar": .quoted,
            ])
        // The body sent to Gong stops at the reply header: the comment does not pull the customer's text in.
        let end = SenderContentBoundary.end(of: LinkFixture.plain(plain), context: omar)
        #expect(end == Array("See inline.\n".utf8).count)
        let html = """
            <p>See inline.</p><div id="divRplyFwdMsg"><b>From:</b> Julia</div><p>Q? <b>[OF]</b> \
            <a href="https://a.com/contract">c</a></p><div id="divRplyFwdMsg"><b>From:</b> Omar</div>\
            <p><b>[OF]</b> <a href="https://a.com/old-omar">o</a></p>
            """
        #expect(
            regions(LinkFixture.html(html), omar) == [
                "https://a.com/contract": .newText, "https://a.com/old-omar": .quoted,
            ]
        )
    }

    @Test func aFreshMessageWithAnAttributionQuotesInHTMLAsInText() {
        let fresh = ThreadContext(isFresh: true)
        let html = """
            <div>FYI</div><div>On Mon, Jan 4, 2027 at 9:00 AM Bob &lt;bob@contoso.example&gt; wrote:</div>\
            <blockquote type="cite"><a href="https://a.com/sheet">sheet</a></blockquote>
            """
        #expect(regions(LinkFixture.html(html), fresh) == ["https://a.com/sheet": .quoted])
        let thunderbird = """
            <div class="moz-cite-prefix">Bob wrote:</div><blockquote type="cite"><a href="https://a.com/sheet">s</a>\
            </blockquote>
            """
        #expect(regions(LinkFixture.html(thunderbird), fresh) == ["https://a.com/sheet": .quoted])
    }

    @Test func appleMailSignatureElement() {
        let body = """
            <div>Deck: <a href="https://a.com/deck">deck</a></div><div id="AppleMailSignature">Omar \
            <a href="https://a.com/brochure">b</a></div>
            """
        #expect(html(body) == ["https://a.com/deck": .newText, "https://a.com/brochure": .signature])
    }
}
