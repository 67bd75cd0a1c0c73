// Fuzzes LinkExtractor on arbitrary text: the bytes (made valid UTF-8, as every decoded body part is) become a plain
// part and an HTML part, each scanned on its own, then both as one message. It must never crash, and every link must
// keep the documented promises.
import CFuzz
import Foundation
import MailParsing
import ShareDetection

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant violated: \(message())") }
}

let extractor = LinkExtractor()

/// The promises every extracted link keeps, whatever the input.
func checkLink(_ link: ExtractedLink, in part: BodyPart) {
    check(!link.url.isEmpty, "empty URL")
    check(link.url.utf8.count <= 8192, "URL of \(link.url.utf8.count) bytes")
    // On bytes: a combining mark right after "https://" joins the "/" into one Character, so a Character-wise
    // hasPrefix says no to a URL that does start with the scheme (found by the 10M-run campaign; not a bug).
    let head = link.url.utf8.prefix(8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
    check(
        head.starts(with: Array("http://".utf8)) || head.starts(with: Array("https://".utf8)),
        "not an http(s) URL: \(link.url)")
    check(
        link.byteOffset >= 0 && link.byteOffset < part.utf8.count, "byteOffset \(link.byteOffset) of \(part.utf8.count)"
    )
    check(link.partPath == part.path && link.partKind == part.kind, "link attributed to the wrong part")
    check(!link.regionReason.isEmpty, "empty region reason")
    if let anchor = link.anchorText { check(anchor.utf8.count <= 1 << 20, "anchor text too long") }
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    // The first byte picks the subject (a forward subject changes how regions are read) and the attached flag.
    let flags = input.first ?? 0
    let subject: String? = [nil, "Re: plan", "Fwd: deck", "FW: numbers"][Int(flags & 3)]
    let attached = flags & 4 != 0
    let utf8 = Array(String(decoding: input.dropFirst(), as: UTF8.self).utf8)
    var parts: [BodyPart] = []
    for (index, kind) in [BodyPart.Kind.plain, .html].enumerated() {
        let part = BodyPart(
            kind: kind, path: "1.\(index + 1)", charset: "utf-8", utf8: utf8, isInAttachedMessage: attached)
        let links = extractor.links(in: part, subject: subject)
        check(links.count <= extractor.maxLinksPerPart, "\(links.count) links in one part")
        var seen = Set<String>()
        for link in links {
            checkLink(link, in: part)
            check(seen.insert("\(link.region)|\(link.url)").inserted, "URL kept twice in one region: \(link.url)")
        }
        parts.append(part)
    }
    var message = MailMessage()
    message.subject = subject
    message.bodyParts = parts
    let all = extractor.links(in: message)
    var previous: (part: Int, offset: Int) = (-1, -1)
    for link in all {
        guard let index = parts.firstIndex(where: { $0.path == link.partPath }) else {
            fatalError("invariant violated: link from an unknown part \(link.partPath)")
        }
        checkLink(link, in: parts[index])
        check((index, link.byteOffset) >= previous, "message links out of order")
        previous = (index, link.byteOffset)
    }
    return 0
}

/// The classic libFuzzer entry point as well: depending on the linker, libFuzzer's own `main` may be the one linked,
/// and then it calls this.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
