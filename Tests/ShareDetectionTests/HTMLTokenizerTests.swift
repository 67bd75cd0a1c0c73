import Testing

@testable import ShareDetection

/// The tokenizer alone: what the region scanner is given, token by token.
@Suite struct HTMLTokenizerTests {
    /// Each token as text: `T:<text>`, `S:<tag>[/]` with the attributes read, `E:<tag>`.
    func tokens(_ html: String) -> [String] {
        let bytes = Array(html.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var tokenizer = HTMLTokenizer(buffer)
            var out: [String] = []
            func slice(_ range: Range<Int>?) -> String {
                range.map { String(decoding: bytes[$0], as: UTF8.self) } ?? "-"
            }
            while let token = tokenizer.next() {
                switch token {
                case .text(let range): out.append("T:\(slice(range))")
                case .startTag(let tag, let at, let attributes, let selfClosing):
                    var line = "S:\(tag)@\(at)\(selfClosing ? "/" : "")"
                    if attributes.href != nil { line += " href=\(slice(attributes.href))" }
                    if attributes.classes != nil { line += " class=\(slice(attributes.classes))" }
                    if attributes.id != nil { line += " id=\(slice(attributes.id))" }
                    out.append(line)
                case .endTag(let tag): out.append("E:\(tag)")
                }
            }
            return out
        }
    }

    @Test func tagsTextAndTheAttributesTheScannerReads() {
        #expect(
            tokens(#"Hi <a HREF="https://x.example/d" class=ignored>doc</a><div class='gmail_quote' id=q>old</div>"#)
                == [
                    "T:Hi ", "S:a@3 href=https://x.example/d", "T:doc", "E:a", "S:div@54 class=gmail_quote id=q",
                    "T:old", "E:div",
                ])
    }

    @Test func commentsScriptsAndDeclarationsAreSkippedAndALoneLessThanIsText() {
        #expect(
            tokens("<!DOCTYPE html><!-- <a href=x> --><script>var a = '<a href=y>';</script>1 < 2<br/>end")
                == ["S:rawText@34", "E:rawText", "T:1 ", "T: 2", "S:br@77/", "T:end"])
        #expect(tokens("a<!-- never closed <a href=z>") == ["T:a"])
    }

    @Test func aTagCutOffByTheEndOfThePartIsDropped() {
        #expect(tokens("text <a href=\"https://x.example") == ["T:text "])
        #expect(tokens("x</div") == ["T:x", "E:div"])
    }
}
