import Foundation
import Testing

@testable import MailParsing

/// The parser's fast paths (content read in place, attachment sizes counted from the encoded bytes, GMime's own
/// address lists) must give exactly what the reference paths (GMime's decoder streams, a fresh address parse) give.
@Suite("MailParser fast paths")
struct FastPathTests {
    private static let fast = MailParser()
    private static let reference: MailParser = {
        var parser = MailParser()
        parser.usesFastPaths = false
        return parser
    }()

    /// Everything the parser extracts, as one comparable string.
    private func describe(_ message: MailMessage) -> String {
        var text = "\(message.messageID as Any)|\(message.date as Any)|\(message.subject as Any)|"
        text += "\(message.from)|\(message.sender)|\(message.replyTo)|\(message.to)|\(message.cc)|\(message.bcc)|"
        text += "\(message.inReplyTo)|\(message.references)|\(message.attachments)|\(message.defects)|"
        text += "\(message.rawSize)"
        for part in message.bodyParts {
            text += "|\(part.kind) \(part.path) \(part.charset as Any) \(part.isInAttachedMessage) \(part.utf8)"
        }
        return text
    }

    private func expectSame(_ raw: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let fast = Result { try Self.fast.parse(raw) }.map(describe)
        let reference = Result { try Self.reference.parse(raw) }.map(describe)
        switch (fast, reference) {
        case (.success(let a), .success(let b)):
            #expect(a == b, sourceLocation: sourceLocation)
        case (.failure, .failure):
            break
        default:
            Issue.record("one path failed: \(fast) vs \(reference)", sourceLocation: sourceLocation)
        }
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Base64 bodies, well-formed and not: every padding, line length, CRLF, junk, `=` in the middle, missing
    /// padding, extra padding.
    private func base64Body(_ random: inout SeededGenerator) -> String {
        let length = Int.random(in: 0...700, using: &random)
        let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
        var encoded = Array(Data(data).base64EncodedString().utf8)
        switch Int.random(in: 0..<10, using: &random) {
        case 0: encoded.removeAll { $0 == UInt8(ascii: "=") }
        case 1: encoded.append(UInt8(ascii: "="))
        case 2 where !encoded.isEmpty:
            encoded.insert(UInt8(ascii: "="), at: Int.random(in: 0..<encoded.count, using: &random))
        case 3 where !encoded.isEmpty:
            encoded.insert(
                [UInt8(ascii: "*"), UInt8(ascii: "-"), 0x80, UInt8(ascii: " ")].randomElement(using: &random)!,
                at: Int.random(in: 0..<encoded.count, using: &random))
        case 4 where !encoded.isEmpty:
            encoded.removeLast(Int.random(in: 1...min(3, encoded.count), using: &random))
        case 5: encoded += Array("==\n==".utf8)
        case 6 where !encoded.isEmpty:
            encoded.append(Self.base64Alphabet.randomElement(using: &random)!)
        default: break
        }
        let width = [76, 64, 4, 1, 1000].randomElement(using: &random)!
        let newline = Bool.random(using: &random) ? "\r\n" : "\n"
        var lines: [String] = []
        var index = 0
        while index < encoded.count {
            let end = min(index + width, encoded.count)
            lines.append(String(decoding: encoded[index..<end], as: UTF8.self))
            index = end
        }
        return lines.joined(separator: newline) + (Bool.random(using: &random) ? newline : "")
    }

    /// Quoted-printable bodies with soft breaks (LF and CRLF), valid and invalid `=XX`, lowercase hex, a lone `=` at
    /// the end, `=` CR without LF.
    private func quotedPrintableBody(_ random: inout SeededGenerator) -> String {
        let pieces = [
            "plain text ", "=3D", "=C3=A9", "=e2=80=93", "=\n", "=\r\n", "=ZZ", "=4", "=\r", "==", "\n", "\r\n",
            "<a href=3D\"https://example.com/x?a=3Db\">", "=20", "\t", "é",
        ]
        var body = ""
        for _ in 0..<Int.random(in: 0...60, using: &random) { body += pieces.randomElement(using: &random)! }
        switch Int.random(in: 0..<4, using: &random) {
        case 0: body += "="
        case 1: body += "=A"
        default: break
        }
        return body
    }

    private func message(textEncoding: String, text: String, attachmentEncoding: String, attachment: String) -> [UInt8]
    {
        let mime = """
            From: a@example.com
            To: b@example.com
            Subject: parts
            Date: Mon, 7 Jan 2024 11:02:13 +0000
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b1"

            --b1
            Content-Type: text/html; charset=utf-8
            Content-Transfer-Encoding: \(textEncoding)

            \(text)
            --b1
            Content-Type: application/pdf; name="a.pdf"
            Content-Disposition: attachment; filename="a.pdf"
            Content-Transfer-Encoding: \(attachmentEncoding)

            \(attachment)
            --b1--

            """
        return Array(mime.utf8)
    }

    @Test func base64AndQuotedPrintableMatchGMimeDecoders() {
        var random = SeededGenerator(state: 42)
        for _ in 0..<1500 {
            let textIsBase64 = Bool.random(using: &random)
            let attachmentIsBase64 = Bool.random(using: &random)
            let raw = message(
                textEncoding: textIsBase64 ? "base64" : "quoted-printable",
                text: textIsBase64 ? base64Body(&random) : quotedPrintableBody(&random),
                attachmentEncoding: attachmentIsBase64 ? "base64" : "quoted-printable",
                attachment: attachmentIsBase64 ? base64Body(&random) : quotedPrintableBody(&random))
            expectSame(raw)
        }
    }

    @Test func countsMatchGMimeOnEdgeCases() throws {
        for body in [
            "", "=", "==", "QQ==", "QQ=", "QUI=", "QUJD", "QQ==\n\n", "Q\nQ\n=\n=", "QQ==QQ==", "A===", "AB=C",
        ] {
            let raw = message(textEncoding: "base64", text: body, attachmentEncoding: "base64", attachment: body)
            expectSame(raw)
        }
        for body in ["", "=", "=4", "=41", "=\r", "=\r\n", "=\n", "a=\r\nb", "=zz", "=4g"] {
            let raw = message(
                textEncoding: "quoted-printable", text: body, attachmentEncoding: "quoted-printable", attachment: body)
            expectSame(raw)
        }
        // The known answers, from the decoder.
        let qp = try Self.fast.parse(
            message(textEncoding: "7bit", text: "x", attachmentEncoding: "quoted-printable", attachment: "=41=\nB=ZZ"))
        #expect(qp.attachments.first?.size == 5)
    }

    @Test func addressHeadersMatchAFreshParse() {
        let headers = [
            "To: a@example.com, b@example.com\nTo: c@example.com",
            "To: \"Doe, Jane\" <jane@example.com>\nCc: Team: x@example.com, y@example.com;",
            "From: k..allen@enron.com",
            "From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>",
            "To: <broken@, , ok@example.com",
            "To: =?bogus?Q?x?= <a@example.com>\nTo: b@example.com",
            "Cc: a@example.com\nCc:\nBcc: undisclosed-recipients:;",
            "Sender: s@example.com\nReply-To: r@example.com, (comment) q@example.com",
            "To: \"unterminated <a@example.com>",
            "To: a@example.com\n\tb@example.com, c@example.com",
        ]
        for header in headers {
            expectSame(Array("\(header)\nSubject: s\nDate: Mon, 7 Jan 2024 11:02:13 +0000\n\nbody\n".utf8))
        }
    }

    /// GMime validates a header's encoded words as the header is added; the fast path lets it do so only for values
    /// with `=?` and for `Content-` headers, which must give the same defects in the same order.
    @Test func headerValidationGivesGMimeDefects() throws {
        let blocks = [
            "X-Note: =?utf-8?q?caf=C3=A9 au lait?=",
            "Subject: =?utf-8?q?two words?= and =?utf-8?b?w6k=?=",
            "Received: from a (b <c>) by d; Mon, 7 Jan 2024 11:02:13 +0000\nX-Mixed: x=?y?z",
            "Content-Description: =?utf-8?q?a b?=\nContent-Type: text/plain; charset=\"utf-8\"; charset=latin1",
            "X-Eight: caf\u{E9}\nX-Broken: =?utf-8?q?unterminated",
            "Comments: one\nComments: one\nSubject: a\nSubject: b",
            "X-Folded: =?utf-8?q?first?=\n =?utf-8?q?sec ond?=",
        ]
        for block in blocks {
            expectSame(Array("From: a@example.com\n\(block)\n\nbody\n".utf8))
        }
        let message = try Self.fast.parse(
            Array("From: a@example.com\nDate: Mon, 7 Jan 2024 11:02:13 +0000\nX-Note: =?utf-8?q?a b?=\n\nbody\n".utf8))
        #expect(message.defects.map(\.code) == ["invalid-rfc2047-header-value"])
    }

    @Test func oneParserIsSafeFromManyThreads() async {
        let parser = MailParser()
        let raw = message(
            textEncoding: "quoted-printable", text: "caf=C3=A9", attachmentEncoding: "base64", attachment: "QUJD")
        let expected = describe(try! parser.parse(raw))
        await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var last = ""
                    for _ in 0..<200 { last = (try? parser.parse(raw)).map(describe) ?? "failed" }
                    return last
                }
            }
            for await result in group { #expect(result == expected) }
        }
    }

    @Test func iso8601MatchesStringFormat() {
        var random = SeededGenerator(state: 3)
        for _ in 0..<20_000 {
            let date = MailDate(
                unixTime: Int64.random(in: -70_000_000_000...300_000_000_000, using: &random),
                utcOffsetSeconds: Int.random(in: -100_000...100_000, using: &random))
            var local = time_t(date.unixTime + Int64(date.utcOffsetSeconds))
            var parts = tm()
            gmtime_r(&local, &parts)
            let magnitude = abs(date.utcOffsetSeconds)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d%@%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec),
                date.utcOffsetSeconds < 0 ? "-" : "+", magnitude / 3600, (magnitude % 3600) / 60)
            #expect(date.iso8601 == expected)
        }
    }
}
