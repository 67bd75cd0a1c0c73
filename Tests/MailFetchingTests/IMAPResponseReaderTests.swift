import Foundation
import Testing

@testable import MailFetching

/// Feeds `text` in pieces of `step` bytes and collects every response.
private func read(_ bytes: [UInt8], step: Int = Int.max, maxLiteral: Int = 1 << 20) throws -> [IMAPResponse] {
    var reader = IMAPResponseReader(maxLiteralBytes: maxLiteral, maxLineBytes: 1 << 16)
    var responses: [IMAPResponse] = []
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + max(1, min(step, bytes.count)))
        reader.feed(bytes[offset..<end])
        offset = end
        while let response = try reader.next() { responses.append(response) }
    }
    return responses
}

private func read(_ text: String, step: Int = Int.max) throws -> [IMAPResponse] {
    try read(Array(text.utf8), step: step)
}

@Suite struct IMAPResponseReaderTests {
    static let fetchWithInjection: [UInt8] = {
        let body =
            Array("Subject: x\r\n\r\nA005 OK fake\r\n* 9 EXISTS\r\n{3}\r\nabc\r\nS2 OK done\r\n".utf8) + [0, 255, 0]
        return Array("* 1 FETCH (UID 7 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE \(body.count) ".utf8)
            + Array("BODY[] {\(body.count)}\r\n".utf8) + body + Array(")\r\nS2 OK UID FETCH completed\r\n".utf8)
    }()

    @Test(arguments: [1, 2, 3, 7, 64, Int.max])
    func literalWithTagLinesAndNULBytesDoesNotDesync(step: Int) throws {
        let responses = try read(Self.fetchWithInjection, step: step)
        #expect(responses.count == 2)
        guard case .fetch(let fetch) = responses.first else {
            Issue.record("no fetch: \(responses)")
            return
        }
        #expect(fetch.uid == 7)
        #expect(fetch.sequenceNumber == 1)
        #expect(fetch.internalDate?.unixTime == 837_596_665)
        #expect(fetch.internalDate?.utcOffsetSeconds == -25_200)
        #expect(fetch.body?.suffix(3) == [0, 255, 0])
        #expect(fetch.size == UInt64(fetch.body?.count ?? -1))
        #expect(responses.last == .tagged(tag: "S2", IMAPStatus(kind: .ok, code: nil, text: "UID FETCH completed")))
    }

    @Test func oversizedLiteralIsSkippedWithItsSize() throws {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 5000)
        let input =
            Array("* 2 FETCH (UID 9 BODY[] {5000}\r\n".utf8) + body + Array(" FLAGS (\\Seen))\r\nS1 OK done\r\n".utf8)
        let responses = try read(input, step: 333, maxLiteral: 1000)
        guard case .fetch(let fetch) = responses.first else {
            Issue.record("no fetch")
            return
        }
        #expect(fetch.body == nil)
        #expect(fetch.skippedBodySize == 5000)
        #expect(fetch.flags == ["\\Seen"])
        #expect(responses.count == 2)
    }

    @Test func statusCodes() throws {
        let responses = try read(
            "* OK [UIDVALIDITY 1795569160] UIDs valid\r\n* OK [UIDNEXT 20001] Predicted next UID\r\n"
                + "* 20000 EXISTS\r\n* 0 RECENT\r\nS1 OK [READ-ONLY] Examine completed (0.001 + 0.000 secs).\r\n"
                + "S2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\nS3 NO [UNAVAILABLE] Try later\r\n"
                + "S4 NO [NONEXISTENT] Mailbox doesn't exist: Nope\r\nS5 NO [TRYCREATE] no\r\n"
                + "* BYE [ALERT] going down\r\n+ eyJzdGF0dXMiOiI0MDEifQ==\r\nS6 OK [CAPABILITY IMAP4rev1 ESEARCH] ok\r\n"
        )
        #expect(
            responses == [
                .untaggedStatus(IMAPStatus(kind: .ok, code: .uidValidity(1_795_569_160), text: "UIDs valid")),
                .untaggedStatus(IMAPStatus(kind: .ok, code: .uidNext(20001), text: "Predicted next UID")),
                .exists(20000),
                .other("RECENT"),
                .tagged(
                    tag: "S1", IMAPStatus(kind: .ok, code: .readOnly, text: "Examine completed (0.001 + 0.000 secs).")),
                .tagged(tag: "S2", IMAPStatus(kind: .no, code: .authenticationFailed, text: "Authentication failed.")),
                .tagged(tag: "S3", IMAPStatus(kind: .no, code: .unavailable, text: "Try later")),
                .tagged(tag: "S4", IMAPStatus(kind: .no, code: .nonexistent, text: "Mailbox doesn't exist: Nope")),
                .tagged(tag: "S5", IMAPStatus(kind: .no, code: .tryCreate, text: "no")),
                .untaggedStatus(IMAPStatus(kind: .bye, code: .alert, text: "going down")),
                .continuation("eyJzdGF0dXMiOiI0MDEifQ=="),
                .tagged(tag: "S6", IMAPStatus(kind: .ok, code: .capability(["IMAP4REV1", "ESEARCH"]), text: "ok")),
            ])
    }

    @Test func searchAndESearch() throws {
        let responses = try read(
            "* SEARCH 2 84 882\r\n* SEARCH\r\n* ESEARCH (TAG \"S4\") UID ALL 19051:20000,3,9:7 COUNT 953\r\n"
                + "* ESEARCH (TAG \"S5\") UID\r\n* CAPABILITY IMAP4rev1 esearch SPECIAL-USE\r\n")
        var expected = IMAPESearch(tag: "S4", isUID: true)
        expected.all = [19051...20000, 3...3, 7...9]
        expected.count = 953
        #expect(
            responses == [
                .search([2, 84, 882]), .search([]), .esearch(expected), .esearch(IMAPESearch(tag: "S5", isUID: true)),
                .capability(["IMAP4REV1", "ESEARCH", "SPECIAL-USE"]),
            ])
    }

    @Test func listEntries() throws {
        let responses = try read(
            "* LIST (\\HasNoChildren \\Sent) \"/\" \"Envoy&AOk-s\"\r\n* LIST (\\Noselect) NIL INBOX\r\n"
                + "* LIST () \"/\" {17}\r\n[Gmail]/Sent Mail\r\n* LIST () {1}\r\n/ {3}\r\nabc\r\n")
        #expect(
            responses == [
                .list(
                    IMAPListEntry(attributes: ["\\HasNoChildren", "\\Sent"], delimiter: "/", wireName: "Envoy&AOk-s")),
                .list(IMAPListEntry(attributes: ["\\Noselect"], delimiter: "", wireName: "INBOX")),
                .list(IMAPListEntry(attributes: [], delimiter: "/", wireName: "[Gmail]/Sent Mail")),
                .list(IMAPListEntry(attributes: [], delimiter: "/", wireName: "abc")),
            ])
        if case .list(let entry) = responses[0] {
            #expect(entry.name == "Envoyés")
            #expect(entry.hasAttribute("\\sent"))
        }
    }

    @Test func fetchWithOtherAttributesAndSections() throws {
        let responses = try read(
            "* 3 FETCH (FLAGS (\\Seen $Label1) BODY[HEADER.FIELDS (FROM TO)] {5}\r\nab\r\nc UID 12 "
                + "BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1) BODY[]<0> \"hi\" MODSEQ (4))\r\n")
        guard case .fetch(let fetch) = responses.first else {
            Issue.record("no fetch: \(responses)")
            return
        }
        #expect(fetch.uid == 12)
        #expect(fetch.flags == ["\\Seen", "$Label1"])
        #expect(fetch.body == Array("hi".utf8))
    }

    /// A structure of 1,100 parts whose names are literals: more literals than a response keeps. The message is marked
    /// for a whole fetch (its structure unusable), its UID is read, and the next response is read as usual.
    @Test func aStructureWithMoreLiteralsThanKeptIsUnusableNotFatal() throws {
        var text = "* 4 FETCH (UID 41 BODYSTRUCTURE ("
        for index in 0..<1_100 {
            let name = "part\(index).pdf"
            text += "(\"application\" \"pdf\" (\"name\" {\(name.utf8.count)}\r\n\(name)) NIL NIL \"base64\" 10) "
        }
        text += "\"mixed\"))\r\n* 5 FETCH (UID 42 BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1))\r\n"
        var reader = IMAPResponseReader(maxLiteralBytes: 1 << 20, maxLineBytes: 1 << 20)
        reader.feed(Array(text.utf8)[...])
        var fetches: [IMAPFetch] = []
        while let response = try reader.next() {
            if case .fetch(let fetch) = response { fetches.append(fetch) }
        }
        #expect(fetches.map(\.uid) == [41, 42])
        #expect(fetches.first?.bodyStructureUnusable == true)
        #expect(fetches.first?.bodyStructure == nil)
        #expect(fetches.last?.bodyStructureUnusable == false)
        #expect(fetches.last?.bodyStructure != nil)

        // Past the hard cap the framing still fails (a bound on what one response may hold).
        var strict = IMAPResponseReader(maxLiteralBytes: 1 << 20, maxLineBytes: 1 << 20)
        strict.maxSkippedLiteralsPerResponse = 1_050
        strict.feed(Array(text.utf8)[...])
        #expect(throws: IMAPError.self) { while try strict.next() != nil {} }
    }

    @Test func malformedResponsesAreUnparsedNotFatal() throws {
        let responses = try read("* 1 FETCH (UID x)\r\n* 2 FETCH (UID 3\r\n\r\nS1 OK done\r\n")
        #expect(responses.count == 4)
        #expect(responses.last == .tagged(tag: "S1", IMAPStatus(kind: .ok, code: nil, text: "done")))
        if case .unparsed = responses[0] {} else { Issue.record("expected unparsed, got \(responses[0])") }
    }

    @Test func aLineOverTheCapFailsTheReader() throws {
        var reader = IMAPResponseReader(maxLiteralBytes: 100, maxLineBytes: 1000)
        reader.feed([UInt8](repeating: UInt8(ascii: "a"), count: 2000))
        #expect(throws: IMAPError.self) { try reader.next() }
        #expect(throws: IMAPError.self) { try reader.next() }
    }

    /// Found by fuzz-imap (10M-run campaign): a line of exactly the cap whose CR arrived before its LF failed when
    /// split between them and passed when whole. The CR of a CRLF still on its way is not line content.
    @Test(arguments: [0, 1, 2])
    func aLineAtTheCapPassesHoweverItsCRLFIsSplit(extra: Int) throws {
        let line = Array("* OK ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 100 - 5 + extra)
        let bytes = line + [0x0D, 0x0A] + Array("S1 OK done\r\n".utf8)
        var outcomes: [Bool] = []
        for split in [bytes.count, line.count + 1, line.count, line.count + 2] {
            var reader = IMAPResponseReader(maxLiteralBytes: 10, maxLineBytes: 100)
            reader.feed(bytes[..<split])
            var failed = false
            do {
                while try reader.next() != nil {}
                reader.feed(bytes[split...])
                while try reader.next() != nil {}
            } catch {
                failed = true
            }
            outcomes.append(failed)
        }
        #expect(Set(outcomes).count == 1, "the outcome must not depend on the split: \(outcomes)")
        #expect(outcomes.first == (extra > 0), "a line over the cap fails, one at the cap passes")
    }

    @Test func literalMarkerMustEndTheLine() throws {
        let responses = try read("* LIST () \"/\" {3}x\r\nS1 OK\r\n")
        #expect(responses.count == 2)
        if case .unparsed = responses[0] {} else { Issue.record("expected unparsed, got \(responses[0])") }
    }

    @Test(arguments: [
        ("17-Jul-1996 02:44:25 -0700", Int64(837_596_665)),
        (" 1-Jan-1970 00:00:00 +0000", Int64(0)),
        ("29-Feb-2024 23:59:59 +0130", Int64(1_709_245_799)),
    ])
    func internalDates(text: String, unix: Int64) {
        #expect(IMAPResponseParser.parseInternalDate(Array(text.utf8))?.unixTime == unix)
    }

    @Test(arguments: ["", "32-Jan-2020 00:00:00 +0000", "1-Foo-2020 00:00:00 +0000", "1-Jan-2020 00:00 +0000"])
    func badInternalDates(text: String) {
        #expect(IMAPResponseParser.parseInternalDate(Array(text.utf8)) == nil)
    }
}

@Suite struct IMAPPieceTests {
    @Test(arguments: [
        ("Envoyés", "Envoy&AOk-s"), ("Sent", "Sent"), ("A&B", "A&-B"), ("[Gmail]/Sent Mail", "[Gmail]/Sent Mail"),
        ("日本語", "&ZeVnLIqe-"), ("Gesendete Objekte ✓", "Gesendete Objekte &JxM-"), ("😀", "&2D3eAA-"),
    ])
    func modifiedUTF7(name: String, wire: String) {
        #expect(IMAPModifiedUTF7.encode(name) == wire)
        #expect(IMAPModifiedUTF7.decode(wire) == name)
    }

    @Test func malformedModifiedUTF7IsKept() {
        #expect(IMAPModifiedUTF7.decode("a&%%-b") == "a&%%-b")
        #expect(IMAPModifiedUTF7.decode("open&AOk") == "open&AOk")
    }

    @Test func sequenceSets() {
        #expect(IMAPFolderSource.sequenceSet([1, 2, 3, 5, 7, 8]) == "1:3,5,7:8")
        #expect(IMAPFolderSource.sequenceSet([42]) == "42")
        #expect(IMAPFolderSource.sequenceSet([]) == "")
    }

    @Test func searchDates() {
        #expect(IMAPFolderSource.imapDate(Date(timeIntervalSince1970: 1_733_011_200)) == "1-Dec-2024")
    }

    @Test func urls() throws {
        let plain = try IMAPServerURL("imap://mail.example.com")
        #expect(plain == IMAPServerURL(isTLS: false, host: "mail.example.com", port: 143, folder: nil))
        let tls = try IMAPServerURL("IMAPS://user@outlook.office365.com:993/Sent%20Items")
        #expect(tls.host == "outlook.office365.com")
        #expect(tls.folder == "Sent Items")
        #expect(tls.displayHost == "outlook.office365.com")
        #expect(tls.connectURL == "imaps://outlook.office365.com:993/")
        #expect(try IMAPServerURL("imaps://127.0.0.1:10993").displayHost == "127.0.0.1:10993")
        #expect(throws: IMAPError.self) { try IMAPServerURL("https://x") }
        #expect(throws: IMAPError.self) { try IMAPServerURL("imaps://x:99999") }
    }

    @Test func errorsNeverCarryTheSecret() {
        let text = IMAPError.scrub(
            "AUTHENTICATE PLAIN hunter2\r\nmore", SecretScrubber(username: "u", credential: .password("hunter2")))
        #expect(!text.contains("hunter2"))
        #expect(!text.contains("\r"))
        let error = IMAPError(.authenticationFailed, host: "h", mailbox: "Sent", detail: text)
        #expect(error.isAccountFailure)
        #expect(!error.isRetryable)
        #expect(error.description == "imap-authentication-failed: h \"Sent\": AUTHENTICATE PLAIN ***  more")
        #expect(!IMAPError(.mailboxNotFound, host: "h", detail: "").isAccountFailure)
        #expect("\(IMAPCredential.password("hunter2"))" == "password(***)")
    }
}

extension IMAPServerURL {
    init(isTLS: Bool, host: String, port: Int, folder: String?) {
        self = try! IMAPServerURL("\(isTLS ? "imaps" : "imap")://\(host):\(port)/\(folder ?? "")")
    }
}
