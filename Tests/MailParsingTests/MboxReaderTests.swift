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

    @Test func aLastLineOfOneByteIsContent() {
        #expect(body(read("From a Thu May 10 12:50:00 2001\nS: 1\n\nx")[0]) == "S: 1\n\nx")
        #expect(body(read("From a Thu May 10 12:50:00 2001\nS: 1\n\n\rb")[0]) == "S: 1\n\n\rb")
    }

    /// The mbox rules written as plainly as possible: the whole input split into lines, no buffers, no runs.
    private func referenceEntries(_ input: [UInt8], variant: MboxVariant, cap: Int) -> [String] {
        var lines: [(offset: Int, bytes: ArraySlice<UInt8>)] = []
        var start = 0
        for (index, byte) in input.enumerated() where byte == 0x0A {
            lines.append((start, input[start...index]))
            start = index + 1
        }
        if start < input.count { lines.append((start, input[start...])) }
        func isFrom(_ line: ArraySlice<UInt8>) -> Bool { line.starts(with: Array("From ".utf8)) }
        func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
            line.elementsEqual([0x0A]) || line.elementsEqual([0x0D, 0x0A])
        }
        func content(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            guard line.first == UInt8(ascii: ">") else { return line }
            switch variant {
            case .raw: return line
            case .mboxo: return isFrom(line.dropFirst()) ? line.dropFirst() : line
            case .mboxrd: return isFrom(line.drop { $0 == UInt8(ascii: ">") }) ? line.dropFirst() : line
            }
        }
        guard var current = lines.firstIndex(where: { isFrom($0.bytes) }) else { return [] }
        var entries: [String] = []
        while current < lines.count {
            let from = lines[current]
            var next = current + 1
            while next < lines.count, !(isFrom(lines[next].bytes) && isBlank(lines[next - 1].bytes)) { next += 1 }
            var last = next - 1
            // The blank line before the next delimiter, or the last one of the file, is a separator.
            if last > current, isBlank(lines[last].bytes) { last -= 1 }
            var bytes: [UInt8] = []
            if last > current { for line in lines[(current + 1)...last] { bytes += content(line.bytes) } }
            let end = next < lines.count ? lines[next].offset : input.count
            let date = MboxReader.envelopeDate(Array(from.bytes.prefix(1024)))
            entries.append(
                bytes.count > cap
                    ? "\(from.offset)-\(end) \(date as Any) oversized \(bytes.count)"
                    : "\(from.offset)-\(end) \(date as Any) \(bytes)")
            current = next
        }
        return entries
    }

    /// MboxReader against the plain rules on random files, with chunk boundaries and long-line pieces anywhere.
    @Test func matchesThePlainRulesWhereverTheChunksEnd() {
        var random = SeededGenerator(state: 7)
        let vocabulary = [
            "From a@b Thu May 10 12:50:00 2001\n", "From x\n", "From \r\n", "\n", "\r\n", "\n", ">From q\n",
            ">>From q\r\n", ">Fromage\n", ">\n", "> From\n", "Subject: s\n", "body text line\r\n", "x\n", "\r",
            "From\n",
        ]
        for round in 0..<400 {
            var text = round % 5 == 0 ? "junk\n" : ""
            for _ in 0..<Int.random(in: 0...120, using: &random) {
                if Int.random(in: 0..<12, using: &random) == 0 {
                    text += String(repeating: "a", count: Int.random(in: 0...3000, using: &random)) + "\n"
                } else {
                    text += vocabulary.randomElement(using: &random)!
                }
            }
            if Bool.random(using: &random) { text += ["y", "\r", ">From z", "From w"].randomElement(using: &random)! }
            let input = Array(text.utf8)
            let variant = MboxVariant.allCases.randomElement(using: &random)!
            let cap = Bool.random(using: &random) ? 1 << 20 : Int.random(in: 0...2000, using: &random)
            var reader = MboxReader(bytes: input, variant: variant, maxMessageBytes: cap)
            reader.chunkSize = Int.random(in: 1...600, using: &random)
            reader.maxSegmentBytes = Int.random(in: 40...1200, using: &random)
            let got = reader.map { entry in
                "\(entry.offset)-\(entry.endOffset) \(entry.envelopeDate as Any) "
                    + (entry.oversizedSize.map { "oversized \($0)" } ?? "\(entry.bytes)")
            }
            let expected = referenceEntries(input, variant: variant, cap: cap)
            #expect(got == expected, "round \(round), \(variant), cap \(cap), chunk \(reader.chunkSize)")
            if got != expected { break }
        }
    }

    @Test func aReadErrorEndsTheReaderAndSaysSo() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mbox-folder-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var reader = try MboxReader(path: folder.path)
        #expect(reader.next() == nil)
        #expect(reader.readError?.reason.lowercased().contains("directory") == true)
        #expect(reader.unfinishedMessage?.index == 0)
    }

    @Test func missingFileIsAnError() {
        #expect(throws: MboxReadError.self) { try MboxReader(path: "/nonexistent/file.mbox") }
    }
}
