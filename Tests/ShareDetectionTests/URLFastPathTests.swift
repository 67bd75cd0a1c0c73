import Foundation
import Testing

@testable import ShareDetection

/// The byte-level fast paths of NormalizedURL and the unwrapper must agree with the Foundation/Character code they
/// shortcut, on every input.
@Suite("URL fast paths")
struct URLFastPathTests {
    /// A seeded generator, so a failure reproduces.
    private struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
    }

    private static let pieces = [
        "http", "https", "HTTP", "HtTpS", "ftp", "://", ":/", "/", "\\", "?", "#", "@", ":", "::", ".", "..", "[", "]",
        "&amp;", "&amp;amp;", "&", "amp;", "<", ">", " ", "\t", "\r\n", "\n", "\u{0B}", "\u{0C}", "443", "80", "+80",
        "-0", "65536", "99999999999999999999", "docs.google.com", "EXAMPLE.COM", "user:pw", "a", "Z", "%2F", "=", ";",
        "!", "$", "(", ")", "*", "+", "-", "_", "{", "}", "|", "~", "^", "`", "'", "\"", ",", "é", "\u{301}",
        "\u{200B}", "\u{A0}", "\u{2028}", "😀",
    ]

    private func sample(_ random: inout Generator, ascii: Bool) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...14, using: &random) {
            var piece = Self.pieces.randomElement(using: &random)!
            while ascii && !piece.utf8.allSatisfy({ $0 < 0x80 }) { piece = Self.pieces.randomElement(using: &random)! }
            text += piece
        }
        if Bool.random(using: &random) { text = "https://" + text }
        return text
    }

    @Test func normalizedURLMatchesTheGeneralParse() {
        var random = Generator(state: 7)
        for round in 0..<200_000 {
            let text = sample(&random, ascii: round % 4 != 0)
            #expect(NormalizedURL(text) == NormalizedURL(general: text), "\(text.debugDescription)")
        }
    }

    @Test func everyASCIIByteIsClassifiedAsFoundationDoes() {
        for byte in UInt8(0)..<0x80 {
            let scalar = Unicode.Scalar(byte)
            #expect(ASCIIText.isWhitespace(byte) == CharacterSet.whitespaces.contains(scalar), "\(byte)")
            #expect(
                ASCIIText.isWhitespaceOrNewline(byte) == CharacterSet.whitespacesAndNewlines.contains(scalar), "\(byte)"
            )
            #expect(ASCIIText.isPunctuation(byte) == CharacterSet.punctuationCharacters.contains(scalar), "\(byte)")
        }
    }

    @Test func unwrapperTextHelpersMatchFoundation() {
        var random = Generator(state: 11)
        for _ in 0..<100_000 {
            let text = sample(&random, ascii: Bool.random(using: &random))
            #expect(
                ASCIIText.trimmingWhitespaceAndNewlines(text) == text.trimmingCharacters(in: .whitespacesAndNewlines),
                "\(text.debugDescription)")
            #expect(ASCIIText.trimmingWhitespace(text) == text.trimmingCharacters(in: .whitespaces))
            #expect(
                ASCIIText.trimming(text, .punctuationCharacters, isMember: ASCIIText.isPunctuation)
                    == text.trimmingCharacters(in: .punctuationCharacters), "\(text.debugDescription)")
            #expect(
                ASCIIText.replacingAmpersandEntities(text) == text.replacingOccurrences(of: "&amp;", with: "&"),
                "\(text.debugDescription)")
        }
    }

    @Test func viaPrecheckNeverHidesARegexMatch() {
        var random = Generator(state: 5)
        let words = [
            "via", "VIA", "Via", "vIa", "v", "ia", "Ann", " ", "(", ")", "-", "é", "İ", "\u{131}", "x", "viable",
        ]
        for _ in 0..<50_000 {
            var name = ""
            for _ in 0..<Int.random(in: 0...6, using: &random) { name += words.randomElement(using: &random)! }
            let regex = name.range(of: #"\bvia\b"#, options: [.regularExpression, .caseInsensitive]) != nil
            if regex { #expect(ASCIIText.mayContain(name, lowercasedASCII: "via"), "\(name.debugDescription)") }
        }
    }
}
