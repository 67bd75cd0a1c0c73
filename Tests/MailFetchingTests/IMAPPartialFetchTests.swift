import Foundation
import MailParsing
import Testing

@testable import MailFetching

/// `BODYSTRUCTURE` read from a server's response, the plan made of it, and the message rebuilt from the sections:
/// pure, without a server.
struct IMAPPartialFetchTests {
    /// Parses one untagged response line (with literals, if any).
    static func fetch(_ line: String) throws -> IMAPFetch? {
        var reader = IMAPResponseReader()
        reader.feed(Array(line.utf8))
        guard case .fetch(let fetch)? = try reader.next() else { return nil }
        return fetch
    }

    /// Dovecot's answer for a message: alternative (plain + html) and a 2 MB PDF.
    static let mixed = """
        * 1 FETCH (UID 7 BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" \
        120 4 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 300 8 NIL NIL \
        NIL NIL) \"alternative\" (\"boundary\" \"alt-b\") NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"deck.pdf\") \
        NIL NIL \"base64\" 2000000 NIL (\"attachment\" (\"filename\" \"deck.pdf\")) NIL NIL) \"mixed\" \
        (\"boundary\" \"mix-b\") NIL NIL NIL))\r\n
        """

    @Test func aMixedMessageNeedsItsHeaderTextPartsAndPartHeadersOnly() throws {
        let fetch = try #require(try Self.fetch(Self.mixed))
        #expect(fetch.uid == 7)
        let structure = try #require(fetch.bodyStructure)
        guard case .multipart(let subtype, let boundary, let parts) = structure else {
            Issue.record("not a multipart: \(structure)")
            return
        }
        #expect(subtype == "mixed")
        #expect(boundary == "mix-b")
        #expect(parts.count == 2)
        #expect(parts[1] == .part(.init(type: "application", subtype: "pdf", size: 2_000_000)))
        let plan = try #require(IMAPPartialFetch(structure))
        #expect(plan.sections == ["HEADER", "1.MIME", "1.1.MIME", "1.1", "1.2.MIME", "1.2", "2.MIME"])
        #expect(plan.fetchItems.hasPrefix("BODY.PEEK[HEADER] BODY.PEEK[1.MIME] "))
        #expect(!plan.sections.contains("2"), "the attachment's bytes are never asked for")
    }

    @Test func theRebuiltMessageParsesLikeTheOriginal() throws {
        let header =
            "From: Alice <alice@northwind.example>\r\nTo: b@contoso.example\r\nSubject: Deck\r\n"
            + "Message-ID: <p1@northwind.example>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"mix-b\"\r\n\r\n"
        let sections: [String: [UInt8]] = [
            "HEADER": Array(header.utf8),
            "1.MIME": Array("Content-Type: multipart/alternative; boundary=\"alt-b\"\r\n\r\n".utf8),
            "1.1.MIME": Array("Content-Type: text/plain; charset=utf-8\r\n\r\n".utf8),
            "1.1": Array("The deck: https://docs.google.com/presentation/d/1AbCdEfGhIjKlMnOpQrStUv/edit".utf8),
            "1.2.MIME": Array("Content-Type: text/html; charset=utf-8\r\n\r\n".utf8),
            "1.2": Array(
                "<p>The <a href=\"https://docs.google.com/presentation/d/1AbCdEfGhIjKlMnOpQrStUv/edit\">deck</a>".utf8),
            "2.MIME": Array(
                "Content-Type: application/pdf; name=\"deck.pdf\"\r\nContent-Disposition: attachment; filename=\"deck.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    .utf8),
        ]
        let structure = try #require(try Self.fetch(Self.mixed)?.bodyStructure)
        let plan = try #require(IMAPPartialFetch(structure))
        let bytes = try #require(plan.assemble(sections))
        let message = try MailParser().parse(bytes)
        #expect(message.subject == "Deck")
        #expect(
            message.textParts.map { String(decoding: $0.utf8, as: UTF8.self) } == [
                "The deck: https://docs.google.com/presentation/d/1AbCdEfGhIjKlMnOpQrStUv/edit"
            ])
        #expect(message.htmlParts.count == 1)
        #expect(message.attachments.map(\.fileName) == ["deck.pdf"])
        #expect(message.attachments.map(\.contentType) == ["application/pdf"])
        // A missing section: no message (the caller fetches it whole).
        var partial = sections
        partial["1.2"] = nil
        #expect(plan.assemble(partial) == nil)
    }

    @Test func anAttachedMessageIsReadThroughItsOwnHeaderAndParts() throws {
        let line = """
            * 2 FETCH (UID 9 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 40 2 NIL \
            NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 900 (\"Mon, 1 Dec 2026 10:00:00 +0000\" \"Fwd\" \
            NIL NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL)\
            (\"image\" \"png\" NIL NIL NIL \"base64\" 800 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"in\") NIL NIL \
            NIL) 20 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"out\") NIL NIL NIL))\r\n
            """
        let structure = try #require(try Self.fetch(line)?.bodyStructure)
        let plan = try #require(IMAPPartialFetch(structure))
        #expect(plan.sections == ["HEADER", "1.MIME", "1", "2.MIME", "2.HEADER", "2.1.MIME", "2.1", "2.2.MIME"])
    }

    @Test func aSinglePartMessageIsItsHeaderAndText() throws {
        let structure = try #require(
            try Self.fetch(
                "* 3 FETCH (UID 1 BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"8BIT\" 12 1 NIL NIL NIL NIL))\r\n"
            )?.bodyStructure)
        #expect(structure == .part(.init(type: "text", subtype: "plain", size: 12)))
        #expect(IMAPPartialFetch(structure)?.sections == ["HEADER", "TEXT"])
        let pdfOnly = IMAPBodyStructure.part(.init(type: "application", subtype: "pdf", size: 9))
        #expect(IMAPPartialFetch(pdfOnly)?.sections == ["HEADER"])
    }

    @Test(arguments: [
        // No boundary parameter: the parts cannot be put back together.
        "* 1 FETCH (UID 1 BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) \"mixed\"))\r\n",
        // A boundary with a line break.
        "* 1 FETCH (UID 1 BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) \"mixed\" (\"boundary\" {3}\r\na\r\n)))\r\n",
        // A size that is not a number.
        "* 1 FETCH (UID 1 BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" \"big\" 1))\r\n",
        // Too short.
        "* 1 FETCH (UID 1 BODYSTRUCTURE (\"text\"))\r\n",
        // message/rfc822 without its inner structure.
        "* 1 FETCH (UID 1 BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 10))\r\n",
        // Nested deeper than the limit.
        "* 1 FETCH (UID 1 BODYSTRUCTURE " + String(repeating: "(", count: 20)
            + "\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1"
            + String(repeating: ") \"mixed\" (\"boundary\" \"b\")", count: 19) + "))\r\n",
    ])
    func anUnusableStructureIsMarkedForAWholeFetch(line: String) throws {
        let fetch = try #require(try Self.fetch(line))
        #expect(fetch.bodyStructure == nil)
        #expect(fetch.bodyStructureUnusable)
        #expect(fetch.uid == 1)
    }

    @Test func sectionsAreReadByName() throws {
        let line = "* 4 FETCH (UID 5 BODY[HEADER] {6}\r\nA: b\r\n BODY[1.MIME] \"X: y\" BODY[2]<0> NIL)\r\n"
        let fetch = try #require(try Self.fetch(line))
        #expect(fetch.sections["HEADER"] == Array("A: b\r\n".utf8))
        #expect(fetch.sections["1.MIME"] == Array("X: y".utf8))
        #expect(fetch.sections["2"] == [])
        #expect(fetch.body == nil)
        #expect(IMAPResponseParser.section(ofAttribute: "BODY[HEADER.FIELDS (A B)]") == nil)
        #expect(IMAPResponseParser.section(ofAttribute: "BODY[]") == nil)
        #expect(IMAPResponseParser.section(ofAttribute: "BODY[2.1.TEXT]<0>") == "2.1.TEXT")
    }
}
