import MailParsing
import Testing

@testable import ShareDetection

@Suite struct RegionPlainTextTests {
    private func regions(_ text: String, subject: String? = "Re: deck") -> [String: LinkRegion] {
        LinkFixture.regions(LinkFixture.links(plain: text, subject: subject))
    }

    private func reason(of url: String, in text: String, subject: String? = "Re: deck") -> String? {
        LinkFixture.links(plain: text, subject: subject).first { $0.url == url }?.regionReason
    }

    @Test func quotePrefixLines() {
        let text = "mine https://a.com/new\n> theirs https://a.com/q1\n   >> deeper https://a.com/q2\n"
        let r = regions(text)
        #expect(r == ["https://a.com/new": .newText, "https://a.com/q1": .quoted, "https://a.com/q2": .quoted])
        #expect(reason(of: "https://a.com/q1", in: text) == "line starts with '>'")
    }

    @Test func topPostedGmailReply() {
        let text = """
            Here is the deck: https://a.com/new

            On Mon, Jan 1, 2024 at 10:00 AM Bob Smith <bob@example.com> wrote:

            > Can you send https://a.com/old ?
            > Thanks
            """
        #expect(regions(text) == ["https://a.com/new": .newText, "https://a.com/old": .quoted])
    }

    /// Attribution lines in several languages, some wrapped over two or three lines; nothing `>`-quoted
    /// follows, so everything below is quoted.
    static let attributions: [String] = [
        "On Mon, Jan 1, 2024 at 10:00 AM Bob Smith <bob@example.com> wrote:",
        "On Mon, Jan 1, 2024 at 10:00 AM Bob Smith <\nbob@example.com> wrote:",
        "On Monday, January 1, 2024 10:00, Bob Smith\n<bob@example.com> via Group\n<group@googlegroups.com> wrote:",
        "Am Mo., 1. Jan. 2024 um 10:00 Uhr schrieb Bob Smith <bob@example.de>:",
        "Le lun. 1 janv. 2024 à 10:00, Bob Smith <bob@example.fr> a écrit :",
        "Le lun. 1 janv. 2024 à 10:00, Bob Smith <bob@example.fr> a écrit\u{00A0}:",
        "El lun, 1 ene 2024 a las 10:00, Bob Smith (<bob@example.es>) escribió:",
        "Op ma 1 jan. 2024 om 10:00 schreef Bob Smith <bob@example.nl>:",
        "Il giorno lun 1 gen 2024 alle ore 10:00 Bob <bob@example.it> ha scritto:",
    ]

    @Test(arguments: attributions)
    func attributionQuotesEverythingBelow(attribution: String) {
        let text = "New https://a.com/new\n\n\(attribution)\n\nOld unquoted text https://a.com/old\nmore\n"
        #expect(regions(text) == ["https://a.com/new": .newText, "https://a.com/old": .quoted])
        #expect(reason(of: "https://a.com/old", in: text)?.hasPrefix("below \"On … wrote:\" (byte ") == true)
    }

    @Test func attributionNeedsItsVerb() {
        let text = "On Monday I will send it.\nhttps://a.com/new\nOn second thought\nhttps://a.com/new2\n"
        #expect(regions(text) == ["https://a.com/new": .newText, "https://a.com/new2": .newText])
    }

    @Test func inlineReplyKeepsNewTextBetweenQuotes() {
        let text = """
            On Tue, 2 Jan 2024, Alice <alice@example.com> wrote:
            > Do you have the spec?

            Yes: https://a.com/spec

            > And the budget https://a.com/quoted-budget
            > sheet?

            Here https://a.com/budget
            """
        let r = regions(text)
        #expect(r["https://a.com/spec"] == .newText)
        #expect(r["https://a.com/budget"] == .newText)
        #expect(r["https://a.com/quoted-budget"] == .quoted)
        #expect(reason(of: "https://a.com/spec", in: text)?.hasPrefix("new text between quotes") == true)
    }

    @Test func wroteLineWithoutOpenerFollowedByQuotes() {
        let text = "Bob Smith wrote:\n> old https://a.com/old\nnew https://a.com/new\n"
        #expect(regions(text) == ["https://a.com/old": .quoted, "https://a.com/new": .newText])
    }

    static let outlookHeader = """
        Please see https://a.com/new

        From: Bob Smith <bob@example.com>
        Sent: Monday, January 1, 2024 10:00 AM
        To: Alice <alice@example.com>
        Subject: deck

        Older text https://a.com/old
        """

    @Test func outlookReplyHeaderQuotesBelow() {
        #expect(
            regions(Self.outlookHeader, subject: "RE: deck") == [
                "https://a.com/new": .newText, "https://a.com/old": .quoted,
            ])
    }

    @Test(arguments: ["FW: deck", "Fwd: deck", "fwd:deck", "WG: deck", "TR: deck", "Doorst: deck", "[sales] Fw: deck"])
    func outlookHeaderUnderForwardSubjectIsForwarded(subject: String) {
        #expect(
            regions(Self.outlookHeader, subject: subject) == [
                "https://a.com/new": .newText, "https://a.com/old": .forwarded,
            ])
    }

    @Test func replyToAForwardIsQuoted() {
        #expect(regions(Self.outlookHeader, subject: "Re: Fwd: deck")["https://a.com/old"] == .quoted)
    }

    @Test func localizedOutlookHeaders() {
        let german =
            "neu https://a.com/new\n\nVon: Bob\nGesendet: Montag, 1. Januar 2024 10:00\nAn: Alice\nBetreff: x\n\nalt https://a.com/old\n"
        #expect(regions(german) == ["https://a.com/new": .newText, "https://a.com/old": .quoted])
        let french =
            "nouveau https://a.com/new\n\nDe : Bob\nEnvoyé : lundi 1 janvier 2024 10:00\nÀ : Alice\nObjet : x\n\nancien https://a.com/old\n"
        #expect(regions(french) == ["https://a.com/new": .newText, "https://a.com/old": .quoted])
        let bold = "new https://a.com/new\n\n*From:* Bob\n*Sent:* Monday\n*To:* Alice\n\nold https://a.com/old\n"
        #expect(regions(bold) == ["https://a.com/new": .newText, "https://a.com/old": .quoted])
    }

    @Test func fromLineInProseIsNotAHeader() {
        let text = "From: the sales team\nHere is https://a.com/new\nTo: everyone\n"
        #expect(regions(text) == ["https://a.com/new": .newText])
    }

    @Test func originalMessageSeparator() {
        let text = "new https://a.com/new\n\n-----Original Message-----\nFrom: Bob\nold https://a.com/old\n"
        #expect(regions(text, subject: "RE: x") == ["https://a.com/new": .newText, "https://a.com/old": .quoted])
        #expect(regions(text, subject: "FW: x") == ["https://a.com/new": .newText, "https://a.com/old": .forwarded])
        #expect(reason(of: "https://a.com/old", in: text)?.contains("Original Message") == true)
    }

    @Test func underscoreSeparatorThenFrom() {
        let text =
            "new https://a.com/new\n\n________________________________\nFrom: Bob\nSent: Monday\nTo: Alice\n\nold https://a.com/old\n"
        #expect(regions(text) == ["https://a.com/new": .newText, "https://a.com/old": .quoted])
    }

    static let gmailForward = """
        FYI https://a.com/new

        ---------- Forwarded message ---------
        From: Bob Smith <bob@example.com>
        Date: Mon, Jan 1, 2024 at 10:00 AM
        Subject: deck
        To: Alice <alice@example.com>

        The deck: https://a.com/fwd

        On Sun, Dec 31, 2023 at 9:00 AM Carol <carol@example.com> wrote:
        Older thread https://a.com/old
        """

    @Test(arguments: ["Fwd: deck", "deck", "Re: deck"])
    func gmailForwardMarker(subject: String) {
        #expect(
            regions(Self.gmailForward, subject: subject) == [
                "https://a.com/new": .newText, "https://a.com/fwd": .forwarded, "https://a.com/old": .quoted,
            ])
    }

    @Test func appleMailForwardWithQuoteInside() {
        let text = """
            Begin forwarded message:

            From: Bob Smith <bob@example.com>
            Subject: deck
            Date: 1 January 2024 at 10:00:00 GMT
            To: Alice <alice@example.com>

            Deck https://a.com/fwd
            > quoted inside the forward https://a.com/old
            """
        #expect(regions(text, subject: "Fwd: deck") == ["https://a.com/fwd": .forwarded, "https://a.com/old": .quoted])
    }

    @Test func thunderbirdForward() {
        let text =
            "-------- Forwarded Message --------\nSubject: x\nDate: Mon\nFrom: Bob\nTo: Alice\n\nhttps://a.com/fwd\n"
        #expect(regions(text) == ["https://a.com/fwd": .forwarded])
    }

    @Test(arguments: ["-- ", "--", "--  \t"])
    func signatureDelimiter(delimiter: String) {
        let text = "new https://a.com/new\n\(delimiter)\nBob Smith | https://a.com/sig\n"
        #expect(regions(text) == ["https://a.com/new": .newText, "https://a.com/sig": .signature])
        #expect(reason(of: "https://a.com/sig", in: text)?.hasPrefix("after '-- ' signature delimiter") == true)
    }

    @Test func dashesInProseAreNotASignature() {
        let text = "--- not a delimiter\n -- neither\n-- x\nhttps://a.com/new\n"
        #expect(regions(text) == ["https://a.com/new": .newText])
    }

    @Test func forwardAfterSignatureIsForwarded() {
        let text =
            "hi\n-- \nBob https://a.com/sig\n\n---------- Forwarded message ---------\nFrom: C\n\nhttps://a.com/fwd\n"
        #expect(regions(text) == ["https://a.com/sig": .signature, "https://a.com/fwd": .forwarded])
    }

    @Test func googleGroupsFooter() {
        let text = """
            new https://a.com/new

            --
            You received this message because you are subscribed to the Google Groups "x" group.
            To unsubscribe from this group and stop receiving emails from it, send an email to x+unsubscribe@googlegroups.com.
            To view this discussion visit https://groups.google.com/d/msgid/x/abc.
            """
        let links = LinkFixture.links(plain: text)
        #expect(
            LinkFixture.regions(links) == [
                "https://a.com/new": .newText, "https://groups.google.com/d/msgid/x/abc": .boilerplate,
            ])
    }

    @Test func mailmanFooter() {
        let text = """
            new https://a.com/new
            _______________________________________________
            dev mailing list
            dev@lists.example.org
            https://lists.example.org/mailman/listinfo/dev
            """
        #expect(
            regions(text) == [
                "https://a.com/new": .newText, "https://lists.example.org/mailman/listinfo/dev": .boilerplate,
            ])
    }

    @Test func legalFooter() {
        let text = "new https://a.com/new\n\nThis email and any attachments are confidential. https://a.com/legal\n"
        #expect(regions(text) == ["https://a.com/new": .newText, "https://a.com/legal": .boilerplate])
    }

    @Test func quotedStaysQuoted() {
        let text =
            "On Mon, Bob wrote:\nold\n---------- Forwarded message ---------\nhttps://a.com/old\n-- \nhttps://a.com/old2\n"
        #expect(regions(text) == ["https://a.com/old": .quoted, "https://a.com/old2": .quoted])
    }

    /// (subject, is a forward subject).
    static let subjects: [(String?, Bool)] = [
        ("Fwd: x", true), ("FW: x", true), ("Fw : x", true), ("fwd:x", true), ("WG: x", true), ("TR: x", true),
        ("Doorst: x", true), ("RV: x", true), ("ENC: x", true), ("VB: x", true), ("[list] Fwd: x", true),
        ("Fwd[2]: x", true), ("  Fwd: x", true), ("Re: Fwd: x", false), ("RE: FW: x", false), ("AW: x", false),
        ("Forward planning: Q3", false), ("x", false), ("", false), (nil, false), ("Fwd", false),
    ]

    @Test(arguments: subjects)
    func forwardSubjects(subject: String?, isForward: Bool) {
        #expect(RegionState.isForwardSubject(subject) == isForward)
    }
}
