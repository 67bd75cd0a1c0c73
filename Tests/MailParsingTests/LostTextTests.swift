import Testing

@testable import MailParsing

/// Input that used to lose text silently: NUL bytes, text types without a subtype, attached messages nested too deep.
@Suite("MailParser: nothing lost silently")
struct LostTextTests {
    /// `head`, then the bytes of `body` with a real NUL byte where `\u{0}` is written.
    private func message(_ head: String, _ body: [UInt8]) -> [UInt8] {
        Array(head.replacingOccurrences(of: "\n", with: "\r\n").utf8) + body
    }

    private let nul: UInt8 = 0

    @Test(
        "A NUL byte in a text part keeps the rest of the part and is a nul-in-text defect",
        arguments: [
            ("8bit", "", Array("Before ".utf8) + [0] + Array(" https://docs.google.com/document/d/1AbC/edit\r\n".utf8)),
            ("8bit", "; charset=utf-8", Array("Före ".utf8) + [0] + Array(" https://example.com/after\r\n".utf8)),
            (
                "8bit", "; charset=iso-8859-1",
                [0x46, 0xF6, 0x72, 0x65, 0x20, 0, 0x20] + Array("https://example.com/x\r\n".utf8)
            ),
            ("base64", "; charset=utf-8", Array("QmVmb3JlIABodHRwczovL2V4YW1wbGUuY29tL2FmdGVy\r\n".utf8)),
        ])
    func nulInTextPart(_ encoding: String, _ charset: String, _ body: [UInt8]) throws {
        let raw = message(
            """
            From: ann@northwind.example
            To: bob@contoso.example
            Subject: hi
            MIME-Version: 1.0
            Content-Type: text/plain\(charset)
            Content-Transfer-Encoding: \(encoding)


            """, body)
        for fast in [true, false] {
            var parser = MailParser()
            parser.usesFastPaths = fast
            let parsed = try parser.parse(raw)
            let text = try #require(parsed.bodyParts.first?.utf8)
            #expect(text.contains(0), "fast path \(fast)")
            let afterNUL = String(
                decoding: text.split(separator: 0, omittingEmptySubsequences: false).last ?? [], as: UTF8.self)
            #expect(afterNUL.contains("https://"), "fast path \(fast): \(afterNUL)")
            let defect = try #require(parsed.defects.first { $0.code == "nul-in-text" })
            #expect(defect.item == "part 1")
            #expect(defect.offset == Int64(text.firstIndex(of: 0)!))
        }
    }

    @Test("A NUL byte in the Subject keeps the rest (the NUL as U+FFFD) and is a nul-in-subject defect")
    func nulInSubject() throws {
        let raw =
            Array("From: ann@northwind.example\r\nTo: bob@contoso.example\r\nSubject: Q3 plan".utf8) + [nul]
            + Array(" for =?UTF-8?Q?J=C3=BCrgen?=\r\n\tand team\r\nMessage-ID: <m1@x>\r\n\r\nBody\r\n".utf8)
        for fast in [true, false] {
            var parser = MailParser()
            parser.usesFastPaths = fast
            let parsed = try parser.parse(raw)
            #expect(parsed.subject == "Q3 plan\u{FFFD} for Jürgen\tand team", "fast path \(fast)")
            #expect(parsed.messageID == "m1@x")
            #expect(parsed.defects.contains { $0.code == "nul-in-subject" }, "\(parsed.defects)")
        }
    }

    @Test("No NUL, no defect: the subject and text stay as they were")
    func noNUL() throws {
        let parsed = try MailParser().parse(
            Array(
                "From: a@b.example\r\nSubject: =?UTF-8?Q?Pr=C3=A9sentation?=\r\n\r\nHello https://x.example/\r\n".utf8))
        #expect(parsed.subject == "Présentation")
        #expect(!parsed.defects.contains { $0.code.hasPrefix("nul-") || $0.code == "malformed-text-type" })
        #expect(parsed.bodyParts.first?.utf8 == Array("Hello https://x.example/\r\n".utf8))
    }

    @Test(
        "A text type without a valid subtype is read as text/plain (RFC 2045 §5.2, as CPython does)",
        arguments: ["text; charset=utf-8", "text", "text/; charset=utf-8", "TEXT ; charset=\"utf-8\"", "text/plain/x"])
    func textWithoutSubtype(_ contentType: String) throws {
        let raw = message(
            """
            From: ann@northwind.example
            To: bob@contoso.example
            Subject: hi
            MIME-Version: 1.0
            Content-Type: \(contentType)
            Content-Transfer-Encoding: 8bit

            Grüße: https://docs.google.com/document/d/1AbC/edit

            """, [])
        let parsed = try MailParser().parse(raw)
        #expect(parsed.bodyParts.count == 1, "\(parsed.attachments)")
        #expect(parsed.bodyParts.first?.kind == .plain)
        let text = String(decoding: parsed.bodyParts.first?.utf8 ?? [], as: UTF8.self)
        #expect(text.contains("Grüße: https://docs"))
        #expect(parsed.attachments.isEmpty)
    }

    @Test("The same inside a multipart: the malformed text part is a body part, not an attachment")
    func textWithoutSubtypeInMultipart() throws {
        let raw = message(
            """
            From: ann@northwind.example
            To: bob@contoso.example
            Subject: hi
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text; charset=us-ascii

            See https://example.com/one
            --b
            Content-Type: application/pdf; name="a.pdf"
            Content-Disposition: attachment; filename="a.pdf"
            Content-Transfer-Encoding: base64

            JVBERi0=
            --b--

            """, [])
        let parsed = try MailParser().parse(raw)
        #expect(parsed.bodyParts.map(\.path) == ["1"])
        #expect(parsed.attachments.map(\.contentType) == ["application/pdf"])
    }
}

@Suite("MailParser: nesting limits are reported")
struct NestingLimitTests {
    @Test("Forwards attached more than 8 deep: the deeper ones are an attached-message-depth defect")
    func attachedMessageDepth() throws {
        var inner = "From: z@contoso.example\r\nSubject: deepest\r\n\r\nhttps://example.com/deepest\r\n"
        for level in 0..<10 {
            inner =
                "From: l\(level)@contoso.example\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: message/rfc822\r\n\r\n" + inner
        }
        let parsed = try MailParser().parse(Array(inner.utf8))
        let defect = try #require(parsed.defects.first { $0.code == "attached-message-depth" })
        #expect(defect.item?.contains("more than 8 nested message/rfc822 parts") == true)
        #expect(parsed.bodyParts.isEmpty)
    }
}
