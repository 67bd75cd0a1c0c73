import Testing

@testable import MailParsing

@Suite("MailParser")
struct MailParserTests {
    private func parse(_ text: String) throws -> MailMessage {
        try MailParser().parse(Array(text.utf8))
    }

    @Test func readsHeadersAddressesAndDateWithOffset() throws {
        let message = try parse(
            """
            Message-ID: <abc.123@example.com>
            Date: Thu, 10 May 2001 12:50:00 -0700
            From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jurgen@northwind.example>
            Sender: assistant@northwind.example
            Reply-To: replies@northwind.example
            To: "Doe, Jane" <jane@contoso.example>, Team: a@x.example, b@y.example;
            Cc: c@z.example
            Bcc: hidden@w.example
            Subject: =?ISO-8859-1?Q?Pr=E9sentation?= for you
            In-Reply-To: <parent@example.com>
            References: <root@example.com> <parent@example.com>

            Hello

            """)
        #expect(message.messageID == "abc.123@example.com")
        #expect(message.date == MailDate(unixTime: 989_524_200, utcOffsetSeconds: -25_200))
        #expect(message.date?.iso8601 == "2001-05-10T12:50:00-07:00")
        #expect(message.from == [MailAddress(name: "Jürgen Müller", address: "jurgen@northwind.example")])
        #expect(message.sender.map(\.address) == ["assistant@northwind.example"])
        #expect(message.replyTo.map(\.address) == ["replies@northwind.example"])
        #expect(message.to.map(\.address) == ["jane@contoso.example", "a@x.example", "b@y.example"])
        #expect(message.to.first?.name == "Doe, Jane")
        #expect(message.cc.map(\.address) == ["c@z.example"])
        #expect(message.bcc.map(\.address) == ["hidden@w.example"])
        #expect(message.subject == "Présentation for you")
        #expect(message.inReplyTo == ["parent@example.com"])
        #expect(message.references == ["root@example.com", "parent@example.com"])
        #expect(message.textParts.count == 1)
        #expect(String(decoding: message.textParts[0].utf8, as: UTF8.self) == "Hello\n")
        #expect(message.from[0].domain == "northwind.example")
    }

    @Test func keepsAddressesGMimeRejects() throws {
        let message = try parse("From: k..allen@enron.com\nTo: Ann <a..b@enron.com>, ok@enron.com\n\nx\n")
        #expect(message.from.map(\.address) == ["k..allen@enron.com"])
        #expect(message.to.map(\.address) == ["a..b@enron.com", "ok@enron.com"])
        #expect(message.to.first?.name == "Ann")
    }

    @Test func decodesTransferEncodingsAndCharsets() throws {
        let message = try parse(
            """
            From: a@example.com
            Subject: parts
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="B1"

            --B1
            Content-Type: multipart/alternative; boundary="B2"

            --B2
            Content-Type: text/plain; charset=iso-8859-1
            Content-Transfer-Encoding: quoted-printable

            Caf=E9 https://docs.google.com/document/d/abc=
            def/edit
            --B2
            Content-Type: text/html; charset=utf-8
            Content-Transfer-Encoding: base64

            PGEgaHJlZj0iaHR0cHM6Ly9leGFtcGxlLmNvbS8iPmxpbms8L2E+
            --B2--
            --B1
            Content-Type: application/pdf; name="Q3 pricing.pdf"
            Content-Disposition: attachment; filename="Q3 pricing.pdf"
            Content-Transfer-Encoding: base64

            JVBERi0xLjQK
            --B1--

            """)
        #expect(message.textParts.count == 1)
        #expect(message.htmlParts.count == 1)
        let text = String(decoding: message.textParts[0].utf8, as: UTF8.self)
        #expect(text.contains("Café"))
        #expect(text.contains("https://docs.google.com/document/d/abcdef/edit"))
        #expect(message.textParts[0].path == "1.1")
        #expect(message.htmlParts[0].path == "1.2")
        #expect(
            String(decoding: message.htmlParts[0].utf8, as: UTF8.self) == "<a href=\"https://example.com/\">link</a>")
        #expect(
            message.attachments == [
                AttachmentInfo(fileName: "Q3 pricing.pdf", contentType: "application/pdf", size: 9, path: "2")
            ])
    }

    @Test func unknownCharsetStillGivesValidUTF8() throws {
        var bytes = Array("From: a@example.com\nContent-Type: text/plain; charset=x-unknown-42\n\nna\u{0}".utf8)
        bytes.removeLast()
        bytes += [0xE9, 0xFF, 0x41, 0x0A]
        let message = try MailParser().parse(bytes)
        #expect(message.textParts.count == 1)
        #expect(String(validating: message.textParts[0].utf8, as: UTF8.self) != nil)
        #expect(message.defects.contains { $0.code == "invalid-text-charset" })
    }

    @Test func flagsPartsOfAnAttachedMessage() throws {
        let message = try parse(
            """
            From: a@example.com
            Subject: Fwd: deck
            Content-Type: multipart/mixed; boundary="X"

            --X
            Content-Type: text/plain

            see below
            --X
            Content-Type: message/rfc822

            From: b@example.com
            Subject: deck

            inner body
            --X--

            """)
        #expect(message.textParts.map(\.isInAttachedMessage) == [false, true])
        #expect(message.attachments.map(\.contentType) == ["message/rfc822"])
    }

    @Test func reportsDateDefects() throws {
        let garbage = try parse("From: a@example.com\nDate: not a date at all\n\nx\n")
        #expect(garbage.date == nil)
        #expect(garbage.defects.contains { $0.code == "invalid-date" })
        let missing = try parse("From: a@example.com\n\nx\n")
        #expect(missing.defects.contains { $0.code == "missing-date" })
    }

    @Test func firstOccurrenceOfSingleHeadersWins() throws {
        let message = try parse("Subject: first\nSubject: second\nMessage-ID: <one@x>\nMessage-ID: <two@x>\n\nx\n")
        #expect(message.subject == "first")
        #expect(message.messageID == "one@x")
    }

    @Test func headerBlockStartingWithWhitespaceIsSalvaged() throws {
        let message = try parse(" From: a@example.com\nSubject: plain text\n\nbody\n")
        #expect(message.subject == "plain text")
        #expect(message.defects.first?.code == "header-starts-with-whitespace")
    }

    @Test func emptyAndOversizedInputsAreErrors() {
        #expect(throws: MailParsingError(.emptyMessage, "the message has no bytes")) { try MailParser().parse([]) }
        #expect {
            try MailParser(maxMessageBytes: 10).parse(Array("Subject: too long for the cap\n\n".utf8))
        } throws: { ($0 as? MailParsingError)?.code == .tooLarge }
    }

    @Test func hostileInputsDoNotCrash() throws {
        let cases: [[UInt8]] = [
            [0, 0, 0, 0],
            Array(repeating: 0x41, count: 3 << 20),
            Array("Content-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n".utf8),
            Array(String(repeating: "Content-Type: multipart/mixed; boundary=b\n\n--b\n", count: 200).utf8),
            Array("Subject: =?utf-8?B?////?= =?bogus?Q?x?=\nFrom: <<<@@@>>>\n\n".utf8),
        ]
        for bytes in cases {
            _ = try? MailParser().parse(bytes)
        }
    }
}
