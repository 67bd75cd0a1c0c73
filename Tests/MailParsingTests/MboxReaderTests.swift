import Foundation
import Testing

@testable import MailParsing

@Suite("MboxReader")
struct MboxReaderTests {
    private func read(_ text: String, variant: MboxVariant = .mboxrd, cap: Int = 1 << 20) -> [MboxEntry] {
        Array(MboxReader(bytes: Array(text.utf8), variant: variant, maxMessageBytes: cap))
    }

    private func body(_ entry: MboxEntry) -> String { String(decoding: entry.bytes, as: UTF8.self) }

    @Test func splitsOnBlankLineFromRule() {
        let mbox = """
            From alice@example.com Thu May 10 12:50:00 2001
            Subject: one

            From the start of this line it is only body text.
            still one

            From bob@example.com Fri May 11 08:00:00 2001
            Subject: two

            body two

            """
        let entries = read(mbox)
        // "From the start…" follows a blank line, so by the jwz rule it starts a message: three messages.
        #expect(entries.count == 3)
        #expect(body(entries[0]) == "Subject: one\n")
        #expect(body(entries[2]) == "Subject: two\n\nbody two\n")
    }

    @Test func fromInsideAParagraphIsBody() {
        let mbox = "From a Thu May 10 12:50:00 2001\nSubject: x\n\nline\nFrom here on, text\n"
        let entries = read(mbox)
        #expect(entries.count == 1)
        #expect(body(entries[0]) == "Subject: x\n\nline\nFrom here on, text\n")
    }

    @Test(arguments: [
        (MboxVariant.mboxrd, ">From a\n>>From b\n>Fromage\n", "From a\n>From b\n>Fromage\n"),
        (MboxVariant.mboxo, ">From a\n>>From b\n>Fromage\n", "From a\n>>From b\n>Fromage\n"),
        (MboxVariant.raw, ">From a\n>>From b\n", ">From a\n>>From b\n"),
    ])
    func unquotesPerVariant(variant: MboxVariant, quoted: String, expected: String) {
        let entries = read("From x Thu May 10 12:50:00 2001\nSubject: q\n\n" + quoted, variant: variant)
        #expect(body(entries[0]) == "Subject: q\n\n" + expected)
    }

    @Test func crlfFilesKeepTheirLineEndingsAndSplit() {
        let mbox =
            "From a Thu May 10 12:50:00 2001\r\nSubject: 1\r\n\r\nx\r\n\r\nFrom b Thu May 10 12:51:00 2001\r\nSubject: 2\r\n\r\ny\r\n"
        let entries = read(mbox)
        #expect(entries.count == 2)
        #expect(body(entries[0]) == "Subject: 1\r\n\r\nx\r\n")
        #expect(body(entries[1]) == "Subject: 2\r\n\r\ny\r\n")
    }

    @Test func offsetsPointAtFromLinesAndResumeWorks() throws {
        let mbox =
            "From a Thu May 10 12:50:00 2001\nS: 1\n\nFrom b Thu May 10 12:51:00 2001\nS: 2\n\nFrom c Thu May 10 12:52:00 2001\nS: 3\n"
        let bytes = Array(mbox.utf8)
        let entries = Array(MboxReader(bytes: bytes))
        #expect(entries.map(\.offset) == [0, 38, 76])
        #expect(entries.map(\.index) == [0, 1, 2])
        #expect(entries[0].endOffset == entries[1].offset)
        #expect(entries[2].endOffset == UInt64(bytes.count))
        for entry in entries {
            #expect(bytes[Int(entry.offset)..<Int(entry.offset) + 5].elementsEqual("From ".utf8))
        }
        // Resume from a file at the second message's offset.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID()).mbox")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let resumed = Array(try MboxReader(path: url.path, startOffset: entries[0].endOffset, firstIndex: 1))
        #expect(resumed.map(\.index) == [1, 2])
        #expect(resumed.map(\.offset) == [38, 76])
        #expect(resumed.map(\.bytes) == Array(entries[1...]).map(\.bytes))
    }

    @Test func fromLineDateIsParsed() {
        let entries = read("From MAILER-DAEMON Thu May 10 12:50:00 2001\nS: 1\n")
        #expect(entries[0].envelopeDate == MailDate(unixTime: 989_499_000, utcOffsetSeconds: 0))
        #expect(read("From nobody\nS: 1\n")[0].envelopeDate == nil)
    }

    @Test func truncatedLastMessageIsKept() {
        let entries = read("From a Thu May 10 12:50:00 2001\nSubject: cut\n\nno newline at the e")
        #expect(entries.count == 1)
        #expect(body(entries[0]).hasSuffix("no newline at the e"))
    }

    @Test func oversizedMessageIsReportedAndTheNextOneRead() {
        let big = String(repeating: "x", count: 5000)
        let entries = read(
            "From a Thu May 10 12:50:00 2001\nS: big\n\n\(big)\n\nFrom b Thu May 10 12:51:00 2001\nS: small\n",
            cap: 1000)
        #expect(entries.count == 2)
        #expect(entries[0].oversizedSize != nil)
        #expect(entries[0].bytes.isEmpty)
        #expect(entries[1].oversizedSize == nil)
        #expect(body(entries[1]) == "S: small\n")
    }

    @Test func hugeSingleLineIsReadInPiecesIntact() {
        let line = String(repeating: "a", count: 9 << 20)
        let entries = read("From a Thu May 10 12:50:00 2001\nS: long\n\n" + line + "\n", cap: 64 << 20)
        #expect(entries.count == 1)
        #expect(entries[0].bytes.count == "S: long\n\n".utf8.count + line.utf8.count + 1)
    }

    @Test func emptyAndNonMboxInputsYieldNothingOrSkipTheJunk() {
        #expect(read("").isEmpty)
        let entries = read("junk before\nFrom a Thu May 10 12:50:00 2001\nS: 1\n")
        #expect(entries.count == 1)
        #expect(entries[0].offset == 12)
    }

    @Test func nulBytesAreJustBytes() {
        var bytes = Array("From a Thu May 10 12:50:00 2001\nS: 1\n\n".utf8)
        bytes += [0, 0, 0x0A, 0, 0x46]
        let entries = Array(MboxReader(bytes: bytes))
        #expect(entries.count == 1)
        #expect(entries[0].bytes.suffix(5) == [0, 0, 0x0A, 0, 0x46])
    }

    @Test func missingFileIsAnError() {
        #expect(throws: MboxReadError.self) { try MboxReader(path: "/nonexistent/file.mbox") }
    }
}
